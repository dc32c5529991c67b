import Foundation

/// Foundation's file errors in a person's words. `FileManager` throws `NSError`s whose description is a dump
/// ("Error Domain=NSCocoaErrorDomain Code=516 … UserInfo={…}"); these give the reason (the POSIX one when there is
/// one, "File exists") and the path instead.
public enum FileError {
  /// True for the errors Foundation throws for files (Cocoa and POSIX domains).
  public static func isFoundationError(_ error: Error) -> Bool {
    let domain = (error as NSError).domain
    return domain == NSCocoaErrorDomain || domain == NSPOSIXErrorDomain
  }

  /// The reason only: "File exists", "Permission denied", "File name too long".
  public static func reason(_ error: Error) -> String {
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(underlying.code)))
    }
    if ns.domain == NSCocoaErrorDomain {
      switch CocoaError.Code(rawValue: ns.code) {
      case .fileNoSuchFile, .fileReadNoSuchFile: return "No such file or directory"
      case .fileWriteFileExists: return "File exists"
      case .fileReadNoPermission, .fileWriteNoPermission: return "Permission denied"
      case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "invalid file name"
      case .fileWriteOutOfSpace: return "No space left on device"
      case .fileReadCorruptFile: return "the file is corrupt"
      case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding:
        return "the file is not UTF-8 text"
      case .fileWriteVolumeReadOnly: return "Read-only file system"
      default: break
      }
    }
    return "error \(ns.code) (\(ns.domain))"
  }

  /// The path the error is about, when Foundation recorded one.
  public static func path(_ error: Error) -> String? {
    let info = (error as NSError).userInfo
    if let path = info[NSFilePathErrorKey] as? String { return path }
    return (info[NSURLErrorKey] as? URL)?.path
  }

  /// "<path>: <reason>", or the reason alone.
  public static func describe(_ error: Error) -> String {
    guard let path = path(error) else { return reason(error) }
    return "\(path): \(reason(error))"
  }
}
