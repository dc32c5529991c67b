/// git-kitty's version: the one place it is written (CLI `--version`, policy metadata, provider version).
public enum GitKittyVersion {
  public static let current = "0.1.0"
}
