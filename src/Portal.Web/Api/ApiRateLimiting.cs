namespace Portal.Web.Api;

using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Web.Identity;

/// <summary>The <c>RateLimiting</c> section: how many API calls a minute each caller may make.</summary>
public sealed class ApiRateLimitOptions
{
    public const string Section = "RateLimiting";

    /// <summary>Calls a minute for each API token, and for each signed-in user calling with the browser session.</summary>
    public int PermitsPerMinute { get; set; } = 1200;

    /// <summary>Calls a minute for each remote address without valid credentials (slows down guessing tokens).</summary>
    public int AnonymousPermitsPerMinute { get; set; } = 300;
}

internal sealed class ApiRateLimitOptionsValidator : IValidateOptions<ApiRateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiRateLimitOptions options)
    {
        var problems = new SettingProblems();
        problems.Range($"{ApiRateLimitOptions.Section}:{nameof(options.PermitsPerMinute)}", options.PermitsPerMinute, 1, 1_000_000);
        problems.Range($"{ApiRateLimitOptions.Section}:{nameof(options.AnonymousPermitsPerMinute)}", options.AnonymousPermitsPerMinute, 1, 1_000_000);
        return problems.Result;
    }
}

/// <summary>
/// The built-in rate limiter over <c>/api</c>, one fixed one-minute window per API token, per user for browser sessions and
/// per remote address for everyone else; it runs after authentication so that it knows which. Pages are not limited.
/// </summary>
internal static class ApiRateLimiting
{
    public static IServiceCollection AddPortalApiRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiRateLimitOptions>().Bind(configuration.GetSection(ApiRateLimitOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiRateLimitOptions>, ApiRateLimitOptionsValidator>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ApiRateLimitOptions>>((o, limits) =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits.Value));
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, ApiRateLimitOptions limits)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            return RateLimitPartition.GetNoLimiter("pages");
        }

        var caller = Caller(context, limits);
        return RateLimitPartition.GetFixedWindowLimiter(caller.Key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = caller.Permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    /// <summary>Whose window a call counts in, how the refusal names it, and how many calls it allows.</summary>
    private static (string Key, string Description, int Permits) Caller(HttpContext context, ApiRateLimitOptions limits) =>
        ApiTokenPrincipal.TokenId(context.User) is { } token ? ($"token {token}", "this API token", limits.PermitsPerMinute)
        : PortalClaims.ToActor(context.User) is { } actor ? ($"user {actor.UserId}", "your user", limits.PermitsPerMinute)
        : ($"address {context.Connection.RemoteIpAddress}", "your address without valid credentials", limits.AnonymousPermitsPerMinute);

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var limits = context.RequestServices.GetRequiredService<IOptions<ApiRateLimitOptions>>().Value;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        var caller = Caller(context, limits);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        await ApiResults.Problem(StatusCodes.Status429TooManyRequests,
            $"Too many API calls from {caller.Description}: at most {caller.Permits} a minute. Try again in {seconds} seconds.", "TooManyRequests")
            .ExecuteAsync(context);
    }
}
