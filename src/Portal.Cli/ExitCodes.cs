namespace Portal.Cli;

using System.Net;

/// <summary>What the tool's exit code means, so a script or cron job can tell a refusal from a failure from an outage.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Anything else: the server's own error (5xx) or an answer the tool cannot read.</summary>
    public const int Error = 1;

    /// <summary>The command line is wrong, or the project or environment could not be worked out.</summary>
    public const int Usage = 2;

    /// <summary>Portal refused (a missing role 403, a rule 409, bad input 400), or a restore was not confirmed.</summary>
    public const int Refused = 3;

    /// <summary>No such project, environment, snapshot or activity, or none you have a role on (404).</summary>
    public const int NotFound = 4;

    /// <summary>The activity ran and ended in failure, or was cancelled.</summary>
    public const int ActivityFailed = 5;

    /// <summary>No answer from the server: connection refused, name not found, timeout, or not a Portal.</summary>
    public const int Unreachable = 6;

    /// <summary>No token (run auth:login or set PORTAL_TOKEN), or the server did not accept it (401).</summary>
    public const int NotSignedIn = 7;

    /// <summary>The codes in one paragraph, for <c>portal --help</c>.</summary>
    public const string Summary =
        "Exit codes: 0 success; 1 other error (server error); 2 usage (bad arguments, no project or environment); "
        + "3 refused (missing role, rule, bad input, restore not confirmed); 4 not found; 5 activity failed or cancelled; "
        + "6 server unreachable; 7 not signed in (no token, or token not accepted); 130 interrupted (Ctrl+C).";

    public static int ForStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest or HttpStatusCode.Forbidden or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity
            or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.RequestEntityTooLarge => Refused,
        HttpStatusCode.NotFound or HttpStatusCode.Gone => NotFound,
        HttpStatusCode.Unauthorized => NotSignedIn,
        _ => Error,
    };
}

/// <summary>A failure the user is told about in one line on stderr, with the exit code that classifies it.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
