namespace Portal.Web.Operations;

using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using Portal.Core.Common;

/// <summary>Where Portal's traces and metrics go: an OTLP collector when one is named, and a Prometheus scrape endpoint.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>The <c>service.name</c> resource of every span and metric.</summary>
    public string ServiceName { get; set; } = "portal";

    /// <summary>An OTLP collector, e.g. <c>http://otel-collector:4317</c>; empty means the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, and without it nothing is exported.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>Grpc</c> (port 4317) or <c>HttpProtobuf</c> (port 4318, paths /v1/traces and /v1/metrics are added).</summary>
    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;

    /// <summary>Serves <c>GET /metrics</c> in the Prometheus text format.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>The configured collector, or null when none is (or it is not an absolute http(s) address, which validation refuses).</summary>
    public Uri? OtlpUri => Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;
}

internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var problems = new SettingProblems();
        const string At = TelemetryOptions.Section + ":";
        problems.Required(At + nameof(options.ServiceName), options.ServiceName, "the service.name of every span and metric");
        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint) && options.OtlpUri is null)
        {
            problems.Add(At + nameof(options.OtlpEndpoint), $"must be an absolute http:// or https:// address of an OTLP collector (got \"{options.OtlpEndpoint}\")");
        }

        problems.Defined(At + nameof(options.OtlpProtocol), options.OtlpProtocol);
        return problems.Result;
    }
}
