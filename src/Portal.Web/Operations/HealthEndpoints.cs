namespace Portal.Web.Operations;

using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

/// <summary>
/// <c>/health/live</c>: the process answers (no check runs). <c>/health/ready</c>: the database answers, the store takes a
/// write and the worker polled recently. <c>/health</c> stays what it always was, liveness, for existing probes.
/// Anonymous, so the body holds status names only; the reasons go to the log.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapPortalHealth(this WebApplication app)
    {
        var live = new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteStatusesAsync };
        app.MapHealthChecks("/health", live).AllowAnonymous();
        app.MapHealthChecks("/health/live", live).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Infrastructure.DependencyInjection.ReadyTag),
            ResponseWriter = WriteStatusesAsync,
        }).AllowAnonymous();
    }

    private static Task WriteStatusesAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
