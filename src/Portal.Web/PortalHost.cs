namespace Portal.Web;

using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Common;
using Portal.Infrastructure;

/// <summary>Builds and runs Portal; a bad setting ends the start with one line on stderr naming it, and exit code 1.</summary>
public static class PortalHost
{
    public const string RefusalPrefix = "Portal cannot start: ";

    /// <summary>Portal as configured, with every setting checked before the request pipeline is built from them.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services
            .AddPortalCore(builder.Configuration)
            .AddPortalInfrastructure(builder.Configuration)
            .AddPortalWeb(builder.Configuration, builder.Environment);

        var app = builder.Build();
        // The host runs these checks at start too, but would log a failure with its stack trace first.
        app.Services.GetRequiredService<IStartupValidator>().Validate();
        app.UsePortalWeb();
        return app;
    }

    /// <summary>Runs until shut down (0), or writes the one-line refusal to <paramref name="error"/> and returns 1.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter error, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var app = Build(args);
            await app.RunAsync(cancellationToken);
            return 0;
        }
        catch (Exception ex) when (StartRefusal(ex) is { } refusal)
        {
            await error.WriteLineAsync(refusal);
            return 1;
        }
    }

    /// <summary>
    /// The one line for an exception that says a setting is wrong; null for any other exception (a bug keeps its stack trace).
    /// A problem can come twice (options built from other options fail with them), so each is said once.
    /// </summary>
    public static string? StartRefusal(Exception exception) =>
        Problems(exception) is { Count: > 0 } problems
            ? RefusalPrefix + string.Join("; ", problems.Select(p => p.ReplaceLineEndings(" ").TrimEnd('.')).Distinct())
            : null;

    private static List<string>? Problems(Exception exception) => exception switch
    {
        OptionsValidationException invalid => [.. invalid.Failures],
        AggregateException all => all.InnerExceptions.Select(Problems).ToList() is var each && each.All(p => p is not null)
            ? [.. each.SelectMany(p => p!)]
            : null,
        _ when SettingProblems.Unconvertible(exception) is { } unconvertible => [unconvertible],
        _ => null,
    };
}
