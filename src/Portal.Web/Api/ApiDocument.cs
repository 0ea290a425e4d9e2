namespace Portal.Web.Api;

using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Portal.Web.Identity;
using Scalar.AspNetCore;

/// <summary>
/// The OpenAPI description of the REST API at <see cref="Path"/>: generated from the endpoints' own metadata (summaries,
/// response types, problem responses), so it cannot drift from what the API does. It describes, it exposes no data, so
/// it is served in every environment without sign-in.
/// </summary>
internal static class ApiDocument
{
    public const string Name = "v1";
    public const string Path = "/openapi/v1.json";

    /// <summary>The reference page that renders the document, linked from the user menu.</summary>
    public const string ReferencePath = "/api-reference";
    public const string CookieScheme = "cookie";
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddPortalOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(Name, options =>
        {
            // The document is the REST API's; sign-in pages, health and metrics are not part of it.
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true
                || description.RelativePath == "api";
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(DescribeJsonBodyAsync);
        });

    /// <summary>The request body of an endpoint that reads it with <see cref="JsonBody{T}"/>, which the framework cannot see.</summary>
    private static async Task DescribeJsonBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonRequestBody>().FirstOrDefault() is { } body)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Description = "A JSON object; an empty body means the defaults, and an unknown field is refused.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken) },
                },
            };
        }
    }

    public static void MapPortalOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(Path).AllowAnonymous();

        // Scalar serves its script from the package itself (no CDN, so Portal stays usable offline); its inline start-up
        // script carries this response's CSP nonce, so Portal's policy stays as strict here as everywhere else.
        app.MapScalarApiReference(ReferencePath, (options, http) => options
            .WithTitle("Portal API reference")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .DisableDefaultFonts()
            .DisableAgent()
            .DisableMcp()
            .DisableTelemetry()
            .WithNonce(PortalIdentityExtensions.CspNonce(http) ?? throw new InvalidOperationException("The security headers must run before the API reference.")))
            .AllowAnonymous();
    }

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Portal API",
            Version = Name,
            Description = "Snapshots, restores and the activity feed of Portal's environments. JSON fields are snake_case; "
                + "every refusal is an RFC 9457 problem whose 'detail' says why and whose 'code' is stable for scripts.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [CookieScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = "__Portal",
                Description = "The browser session of a signed-in user. Requests that change state must also send the header X-Requested-With.",
            },
            [BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "portal_<token>",
                Description = "A personal API token (Authorization: Bearer portal_…) that acts with its user's current roles.",
            },
        };

        // Either scheme is enough: two requirements in the list are alternatives.
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
        ];
    }
}

/// <summary>The OpenAPI metadata every API endpoint carries: its area, a summary, and the problems it can answer.</summary>
internal static class ApiDescriptions
{
    /// <summary>Tags the document groups operations by, one per area of the API.</summary>
    public static class Tags
    {
        public const string Projects = "Projects";
        public const string Environments = "Environments";
        public const string Activities = "Activities";
        public const string Snapshots = "Snapshots";
        public const string UserAccess = "User access";
        public const string Tokens = "API tokens";
        public const string Schedules = "Schedules";
        public const string Alerts = "Alerts";
    }

    /// <summary>Tag, summary and the problem responses beyond those the endpoint's groups declare (401, 404).</summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder builder, string tag, string summary, params int[] problems)
    {
        builder.WithTags(tag).WithSummary(summary);
        foreach (var status in problems)
        {
            builder.ProducesProblem(status);
        }

        return builder;
    }

    /// <summary>
    /// A body read by <see cref="JsonBody{T}"/>: described as the JSON it must be, with the problems a malformed one gets
    /// (400 not JSON or an unknown field, 413 too large, 415 not application/json).
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder builder)
        where T : class, new() =>
        // Not .Accepts<T>(): that makes routing refuse other content types itself, without JsonBody's specific detail.
        builder.WithMetadata(new JsonRequestBody(typeof(T)))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
}

/// <summary>Endpoint metadata: the type <see cref="JsonBody{T}"/> reads, for the OpenAPI document only (routing ignores it).</summary>
internal sealed record JsonRequestBody(Type Type);
