// File modes and git work trees are checked as on the Linux hosts Portal and its CLI run on.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
