namespace Portal.Api.Tests;

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

/// <summary>
/// The machine has no network: hands the OpenID Connect handler the provider's metadata instead of letting it fetch
/// <c>.well-known/openid-configuration</c>, and records where each challenge asked to return to.
/// </summary>
public sealed class StaticOidcMetadata(Func<OpenIdConnectOptions, string> authorizeEndpoint)
{
    public ConcurrentQueue<string?> RequestedReturnUrls { get; } = new();

    public void Apply(IServiceCollection services) =>
        services.PostConfigure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, o =>
        {
            var configuration = new OpenIdConnectConfiguration
            {
                Issuer = o.Authority,
                AuthorizationEndpoint = authorizeEndpoint(o),
                EndSessionEndpoint = authorizeEndpoint(o).Replace("authorize", "logout", StringComparison.Ordinal),
            };
            o.Configuration = configuration;
            o.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
            var previous = o.Events.OnRedirectToIdentityProvider;
            o.Events.OnRedirectToIdentityProvider = async context =>
            {
                RequestedReturnUrls.Enqueue(context.Properties.RedirectUri);
                await previous(context);
            };
        });
}
