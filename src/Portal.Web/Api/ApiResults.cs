namespace Portal.Web.Api;

using Portal.Core.Common;

/// <summary>Maps the application layer's refusals to HTTP: a status, the specific message, the code; never a stack trace.</summary>
internal static class ApiResults
{
    public static int StatusFor(RefusalCode code) => code switch
    {
        RefusalCode.ProjectNotFound or RefusalCode.EnvironmentNotFound or RefusalCode.SnapshotNotFound or RefusalCode.ActivityNotFound
            or RefusalCode.MemberNotFound or RefusalCode.TokenNotFound or RefusalCode.AlertNotFound => StatusCodes.Status404NotFound,
        RefusalCode.MissingRole => StatusCodes.Status403Forbidden,
        RefusalCode.InvalidInput => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status409Conflict,
    };

    public static IResult Problem(Refusal refusal) => Problem(StatusFor(refusal.Code), refusal.Message, refusal.Code.ToString());

    /// <summary>A problem response: the status, the specific reason as title and detail, and a stable code for scripts.</summary>
    public static IResult Problem(int status, string detail, string code) => Results.Problem(
        detail: detail,
        statusCode: status,
        title: detail,
        extensions: new Dictionary<string, object?> { ["code"] = code });

    public static IResult BadRequest(string message) => Problem(new Refusal(RefusalCode.InvalidInput, message));
}

/// <summary>Turns a PortalRefusedException thrown anywhere below an endpoint into its problem response.</summary>
internal sealed class RefusalEndpointFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (PortalRefusedException refused)
        {
            return ApiResults.Problem(refused.Refusal);
        }
    }
}
