// The engine and its tests use POSIX modes, owners and symlinks; they run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
