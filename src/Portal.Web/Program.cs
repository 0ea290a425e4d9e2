using Portal.Web;

// PortalHost builds the app (each project registers itself) and turns a bad setting into one line on stderr and exit code 1.
// "store reindex" runs once without the web server, for a new host pointed at an existing store.
return StoreCommand.Handles(args)
    ? await StoreCommand.RunAsync(args, Console.Out, Console.Error)
    : await PortalHost.RunAsync(args, Console.Error);

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
