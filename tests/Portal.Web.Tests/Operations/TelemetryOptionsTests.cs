namespace Portal.Web.Tests.Operations;

using OpenTelemetry.Exporter;
using Portal.Web.Operations;

public sealed class TelemetryOptionsTests
{
    [Theory]
    [InlineData("otel-collector:4317")]
    [InlineData("ftp://otel-collector:4317")]
    [InlineData("/v1/traces")]
    public void ACollectorThatIsNotAnHttpAddressIsRefusedNamingTheSetting(string endpoint)
    {
        var result = new TelemetryOptionsValidator().Validate(null, new TelemetryOptions { OtlpEndpoint = endpoint });

        Assert.True(result.Failed);
        Assert.Contains($"Telemetry:OtlpEndpoint must be an absolute http:// or https:// address of an OTLP collector (got \"{endpoint}\")", result.Failures!);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("http://otel-collector:4317")]
    [InlineData("https://collector.example.org:4318")]
    public void NoCollectorOrAnHttpAddressIsAccepted(string? endpoint)
    {
        var options = new TelemetryOptions { OtlpEndpoint = endpoint, OtlpProtocol = OtlpExportProtocol.HttpProtobuf };

        Assert.True(new TelemetryOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(endpoint, options.OtlpUri?.OriginalString);
    }

    [Fact]
    public void AnEmptyServiceNameIsRefused()
    {
        var result = new TelemetryOptionsValidator().Validate(null, new TelemetryOptions { ServiceName = " " });

        Assert.Contains("Telemetry:ServiceName is required (the service.name of every span and metric)", result.Failures!);
    }
}
