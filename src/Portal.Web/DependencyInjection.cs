namespace Portal.Web;

using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Portal.Infrastructure;
using Portal.Web.Api;
using Portal.Web.Components;
using Portal.Web.Identity;

public static class DependencyInjection
{
    /// <summary>The Blazor Server UI, sign-in and the REST API.</summary>
    public static IServiceCollection AddPortalWeb(this IServiceCollection services, IConfiguration configuration, IWebHostEnvironment environment)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddProblemDetails();
        services.AddHealthChecks();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        services.AddCascadingAuthenticationState();
        services.AddHttpContextAccessor();
        services.AddScoped<CurrentActor>();

        var demo = configuration.GetSection(PortalOptions.Section).Get<PortalOptions>()?.Demo ?? new DemoOptions();
        var authentication = services.AddAuthentication(DemoAuthenticationHandler.SchemeName);

        // The demo Admin exists only in Development; elsewhere real sign-in is required (see the Access issue).
        if (environment.IsDevelopment() && demo.LocalUser)
        {
            authentication.AddScheme<AuthenticationSchemeOptions, DemoAuthenticationHandler>(DemoAuthenticationHandler.SchemeName, null);
        }

        services.AddAuthorization();
        return services;
    }

    public static WebApplication UsePortalWeb(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler();
            app.UseHsts();
        }

        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapHealthChecks("/health");
        app.MapPortalApi();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
