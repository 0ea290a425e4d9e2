namespace Portal.Web.Operations;

using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Portal.Engine;
using Portal.Infrastructure.Telemetry;

/// <summary>
/// OpenTelemetry: traces of HTTP requests, EF Core commands, activity runs and the engine's phases; metrics of Portal
/// (queue, durations, bytes, store size) and ASP.NET Core. Exported over OTLP when a collector is configured, and
/// scraped by Prometheus at <c>/metrics</c>.
/// </summary>
internal static class PortalTelemetry
{
    public static IServiceCollection AddPortalTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();

        // Exporters are chosen here, before options can be resolved; a bad value is refused on start by the validator.
        var settings = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(string.IsNullOrWhiteSpace(settings.ServiceName) ? "portal" : settings.ServiceName))
            .WithTracing(tracing => tracing
                .AddSource(PortalMetrics.ActivitySourceName, EngineTelemetry.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                .AddEntityFrameworkCoreInstrumentation())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PortalMetrics.MeterName).AddAspNetCoreInstrumentation();
                if (settings.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });

        if (settings.OtlpUri is { } collector)
        {
            telemetry.UseOtlpExporter(settings.OtlpProtocol, collector);
        }
        else if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // The standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL, _HEADERS…) are read by the exporter itself.
            telemetry.UseOtlpExporter();
        }

        return services;
    }

    public static void MapPortalTelemetry(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint().AllowAnonymous();
        }
    }

    /// <summary>Health probes and scrapes arrive every few seconds and say nothing about users' requests.</summary>
    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
