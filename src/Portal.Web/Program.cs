using Portal.Web;

// PortalHost builds the app (each project registers itself) and turns a bad setting into one line on stderr and exit code 1.
return await PortalHost.RunAsync(args, Console.Error);

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
