namespace Portal.Web;

using MudBlazor.Services;
using Portal.Contracts;
using Portal.Web.Api;
using Portal.Web.Components;
using Portal.Web.Identity;
using Portal.Web.Operations;

public static class DependencyInjection
{
    /// <summary>The Blazor Server UI, sign-in and the REST API.</summary>
    public static IServiceCollection AddPortalWeb(this IServiceCollection services, IConfiguration configuration, IWebHostEnvironment environment)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddProblemDetails(PortalApi.DescribeUnmatchedCalls);
        services.AddPortalOpenApi();
        services.AddSingleton<ActivityEventStream>();
        services.AddHealthChecks();
        services.AddPortalTelemetry(configuration);
        services.AddPortalProxies(configuration);
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        services.AddCascadingAuthenticationState();
        services.AddHttpContextAccessor();
        services.AddScoped<CurrentActor>();

        services.AddPortalIdentity(configuration, environment);
        IdentitySettings.Validate(services, configuration);
        services.AddAuthorization();
        services.AddPortalApiRateLimiting(configuration);
        return services;
    }

    public static WebApplication UsePortalWeb(this WebApplication app)
    {
        app.UsePortalProxies();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler();
            app.UseHsts();
        }

        app.UsePortalSecurityHeaders();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapPortalHealth();
        app.MapPortalTelemetry();
        app.MapPortalAccount();
        app.MapPortalApi();
        app.MapPortalOpenApi();
        // Portal sends one CSP (UsePortalSecurityHeaders, frame-ancestors 'none'); Blazor would add a second, frame-ancestors 'self'.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }
}
