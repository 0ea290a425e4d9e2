namespace Portal.Web.Api;

using Portal.Core.Common;

/// <summary>Maps the application layer's refusals to HTTP: a status, the specific message, the code; never a stack trace.</summary>
internal static class ApiResults
{
    public static int StatusFor(RefusalCode code) => code switch
    {
        RefusalCode.ProjectNotFound or RefusalCode.EnvironmentNotFound or RefusalCode.SnapshotNotFound or RefusalCode.ActivityNotFound => StatusCodes.Status404NotFound,
        RefusalCode.MissingRole => StatusCodes.Status403Forbidden,
        RefusalCode.InvalidInput => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status409Conflict,
    };

    public static IResult Problem(Refusal refusal) => Results.Problem(
        detail: refusal.Message,
        statusCode: StatusFor(refusal.Code),
        title: refusal.Message,
        extensions: new Dictionary<string, object?> { ["code"] = refusal.Code.ToString() });

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
