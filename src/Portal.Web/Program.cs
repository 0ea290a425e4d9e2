using Portal.Core;
using Portal.Infrastructure;
using Portal.Web;

var builder = WebApplication.CreateBuilder(args);
builder.Services
    .AddPortalCore(builder.Configuration)
    .AddPortalInfrastructure(builder.Configuration)
    .AddPortalWeb(builder.Configuration, builder.Environment);

var app = builder.Build();
app.UsePortalWeb();
app.Run();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
