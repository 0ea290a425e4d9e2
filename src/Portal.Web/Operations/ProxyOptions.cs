namespace Portal.Web.Operations;

using IPNetwork = System.Net.IPNetwork;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Portal.Core.Common;

/// <summary>
/// The load balancers or reverse proxies Portal sits behind. Only a request that comes from one of them may say, in
/// X-Forwarded-For and X-Forwarded-Proto, who the client is: the address that rate limits and token use record.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "Proxy";

    /// <summary>Networks of trusted proxies in CIDR form, e.g. <c>10.89.0.0/24</c>; empty (the default) trusts no forwarded header.</summary>
    public List<string> TrustedNetworks { get; set; } = [];

    public bool Enabled => TrustedNetworks.Count > 0;
}

internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var problems = new SettingProblems();
        for (var i = 0; i < options.TrustedNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(options.TrustedNetworks[i], out _))
            {
                problems.Add($"{ProxyOptions.Section}:{nameof(options.TrustedNetworks)}:{i}", $"must be a network in CIDR form such as 10.89.0.0/24 (got \"{options.TrustedNetworks[i]}\")");
            }
        }

        return problems.Result;
    }
}

internal static class ProxySetup
{
    public static IServiceCollection AddPortalProxies(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProxyOptions>().Bind(configuration.GetSection(ProxyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxies) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the configured networks: the default (loopback) would let anything on this host speak for any client.
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var network in proxies.Value.TrustedNetworks)
            {
                forwarded.KnownIPNetworks.Add(IPNetwork.Parse(network));
            }
        });
        return services;
    }

    /// <summary>First in the pipeline, so everything after sees the client; without trusted networks the headers are ignored.</summary>
    public static WebApplication UsePortalProxies(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}
