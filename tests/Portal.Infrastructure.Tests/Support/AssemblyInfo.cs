// Portal runs on Linux: the tests compare Unix file modes and symlinks.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
