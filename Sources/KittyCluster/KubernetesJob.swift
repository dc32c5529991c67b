import Foundation

/// The job protocol as a Kubernetes Job (docs/cluster.md): the description in a ConfigMap, one pod that runs
/// `git-kitty job run` with a scratch volume, no retries by Kubernetes (a failed pod is a failed attempt that
/// git-kitty retries), credentials from a Secret. Rendered for people to read and apply; no cluster was available
/// to run it, so it is tested only as text.
public struct KubernetesJob: Sendable {
  public var job: JobDescription
  /// The image with git, git-kitty and the agent CLIs.
  public var image: String
  public var namespace: String?
  /// A Secret whose keys become the pod's environment (API keys) and whose `ssh-privatekey`, if any, lets git reach
  /// the exchange over ssh.
  public var credentialsSecret = "git-kitty-agent-credentials"
  public var cpus = 1

  public init(job: JobDescription, image: String, namespace: String? = nil) {
    self.job = job
    self.image = image
    self.namespace = namespace
  }

  /// A DNS-1123 name from the job's name (lower case, at most 63 characters).
  public var name: String {
    let lowered = job.jobName.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
    return String(String(lowered).prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
  }

  /// JSON strings are YAML double-quoted scalars: every value goes through this.
  static func quoted(_ text: String) -> String {
    let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
    return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
  }

  public func render() -> String {
    let json = String(decoding: job.encoded(), as: UTF8.self)
    let labels = [
      ("app.kubernetes.io/managed-by", "git-kitty"), ("git-kitty/run", job.run), ("git-kitty/wp", job.wp),
      ("git-kitty/role", job.role.rawValue), ("git-kitty/attempt", String(job.attempt)),
    ]
    func labelLines(_ indent: String) -> String {
      labels.map { "\(indent)\(Self.quoted($0.0)): \(Self.quoted($0.1))" }.joined(separator: "\n")
    }
    let namespaceLine = namespace.map { "\n  namespace: \(Self.quoted($0))" } ?? ""
    let deadline = Int(job.timeoutSeconds) + 600
    return """
      # git-kitty job \(job.jobName): \(job.role.rawValue) of \(job.wp) (\(job.mission)); see docs/cluster.md
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: \(Self.quoted(name))\(namespaceLine)
        labels:
      \(labelLines("    "))
      data:
        job.json: \(Self.quoted(json))
      ---
      apiVersion: batch/v1
      kind: Job
      metadata:
        name: \(Self.quoted(name))\(namespaceLine)
        labels:
      \(labelLines("    "))
      spec:
        # A failed pod is a failed attempt: git-kitty decides whether to retry, never Kubernetes.
        backoffLimit: 0
        activeDeadlineSeconds: \(deadline)
        ttlSecondsAfterFinished: 3600
        template:
          metadata:
            labels:
      \(labelLines("        "))
          spec:
            restartPolicy: Never
            containers:
              - name: agent
                image: \(Self.quoted(image))
                command: ["git-kitty", "job", "run", "/etc/git-kitty/job.json"]
                env:
                  - name: KITTY_NODE_SCRATCH
                    value: "/scratch"
                  - name: GIT_SSH_COMMAND
                    value: "ssh -i /etc/git-kitty/ssh/ssh-privatekey -o StrictHostKeyChecking=accept-new"
                envFrom:
                  - secretRef:
                      name: \(Self.quoted(credentialsSecret))
                      optional: true
                resources:
                  requests:
                    cpu: \(Self.quoted(String(cpus)))
                volumeMounts:
                  - name: job
                    mountPath: /etc/git-kitty
                    readOnly: true
                  - name: ssh
                    mountPath: /etc/git-kitty/ssh
                    readOnly: true
                  - name: scratch
                    mountPath: /scratch
            volumes:
              - name: job
                configMap:
                  name: \(Self.quoted(name))
              - name: ssh
                secret:
                  secretName: \(Self.quoted(credentialsSecret))
                  optional: true
                  defaultMode: 0400
              - name: scratch
                emptyDir: {}

      """
  }
}
