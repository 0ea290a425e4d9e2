namespace Portal.Web.Api;

using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portal.Core.Common;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

/// <summary>Something wrong with the request itself, found while binding; <see cref="RequestProblemFilter"/> answers it before the endpoint runs.</summary>
internal interface IRequestProblem
{
    IResult? Problem { get; }
}

/// <summary>
/// A JSON request body that Portal reads itself instead of the framework's binder, so that every malformed body is a 4xx
/// problem whose detail says what is wrong (the framework answers some with a bare 400, a 415 or a 500): an unknown
/// content type or charset (415), a compressed body (415), more than <see cref="MaxBytes"/> (413), text that is not JSON,
/// not an object, a field given twice, an unknown field, or a value of the wrong kind (400, naming the field).
/// An empty body is the request type's defaults.
/// </summary>
internal sealed class JsonBody<T> : IBindableFromHttpContext<JsonBody<T>>, IRequestProblem
    where T : class, new()
{
    public const int MaxBytes = 64 * 1024;

    private JsonBody(T value, IResult? problem)
    {
        Value = value;
        Problem = problem;
    }

    public T Value { get; }

    public IResult? Problem { get; }

    public static async ValueTask<JsonBody<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var request = context.Request;
        if (CheckEncoding(request) is { } encoding)
        {
            return Refused(encoding);
        }

        byte[] bytes;
        try
        {
            if (await ReadAsync(request, context.RequestAborted) is not { } read)
            {
                return Refused(ApiResults.Problem(StatusCodes.Status413PayloadTooLarge, $"The request body must be at most {MaxBytes / 1024} KB.", "PayloadTooLarge"));
            }

            bytes = read;
        }
        catch (BadHttpRequestException unreadable)
        {
            return Refused(ApiResults.Problem(unreadable.StatusCode, $"The request body could not be read: {unreadable.Message}", "UnreadableBody"));
        }

        if (bytes.Length == 0)
        {
            return new JsonBody<T>(new T(), null);
        }

        if (CheckContentType(request) is { } contentType)
        {
            return Refused(contentType);
        }

        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var result = Parse(bytes, options);
        return result.Problem is { } problem ? Refused(ApiResults.BadRequest(problem)) : new JsonBody<T>(result.Value!, null);
    }

    private static JsonBody<T> Refused(IResult problem) => new(new T(), problem);

    private static IResult? CheckEncoding(HttpRequest request)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        return encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase)
            ? null
            : UnsupportedMediaType($"Content-Encoding {Refusal.Quote(encoding)} is not supported: send the JSON body uncompressed.");
    }

    private static IResult? CheckContentType(HttpRequest request)
    {
        var header = request.Headers.ContentType.ToString();
        if (header.Length == 0)
        {
            return UnsupportedMediaType("A request body needs the header Content-Type: application/json.");
        }

        if (!MediaTypeHeaderValue.TryParse(header, out var type) || !IsJson(type.MediaType.Value))
        {
            return UnsupportedMediaType($"Content-Type {Refusal.Quote(header)} is not supported: send the body as application/json.");
        }

        var charset = HeaderUtilities.RemoveQuotes(type.Charset).Value;
        return charset is null || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            ? null
            : UnsupportedMediaType($"The Content-Type charset {Refusal.Quote(charset)} is not supported: send UTF-8 (application/json; charset=utf-8).");
    }

    private static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));

    private static IResult UnsupportedMediaType(string detail) =>
        ApiResults.Problem(StatusCodes.Status415UnsupportedMediaType, detail, "UnsupportedMediaType");

    /// <summary>The whole body, or null when it is longer than <see cref="MaxBytes"/>.</summary>
    private static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static (T? Value, string? Problem) Parse(byte[] bytes, JsonSerializerOptions options)
    {
        var json = bytes.AsMemory();
        if (json.Span.StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException invalid)
        {
            return (null, $"The request body is not valid JSON (line {invalid.LineNumber + 1}, byte {invalid.BytePositionInLine + 1}).");
        }

        using (document)
        {
            var type = options.GetTypeInfo(typeof(T));
            var fields = string.Join(", ", type.Properties.Select(p => p.Name));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, $"The request body must be a JSON object with the fields {fields}.");
            }

            var comparer = options.PropertyNameCaseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            var seen = new HashSet<string>(comparer);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!type.Properties.Any(p => comparer.Equals(p.Name, property.Name)))
                {
                    return (null, $"Unknown field {Refusal.Quote(property.Name)}: the fields are {fields}.");
                }

                if (!seen.Add(property.Name))
                {
                    return (null, $"The field {Refusal.Quote(property.Name)} is given more than once.");
                }
            }

            try
            {
                return (document.RootElement.Deserialize<T>(options) ?? new T(), null);
            }
            catch (JsonException wrongKind)
            {
                var field = type.Properties.FirstOrDefault(p => wrongKind.Path is { } path
                    && comparer.Equals(path.TrimStart('$', '.').Split('.', '[')[0], p.Name));
                return (null, field is null
                    ? $"The request body does not fit the fields {fields}."
                    : $"The field '{field.Name}' must be {Expected(field)}.");
            }
        }
    }

    private static string Expected(JsonPropertyInfo property) =>
        property.PropertyType == typeof(bool) ? "true or false"
        : property.PropertyType == typeof(bool?) ? "true, false or null"
        : property.PropertyType == typeof(string) ? "a string or null"
        : property.PropertyType == typeof(int?) ? "a whole number or null"
        : $"a {property.PropertyType.Name}";
}

/// <summary>Answers the first <see cref="IRequestProblem"/> among an endpoint's arguments instead of running it.</summary>
internal sealed class RequestProblemFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var argument in context.Arguments)
        {
            if (argument is IRequestProblem { Problem: { } problem })
            {
                return ValueTask.FromResult<object?>(problem);
            }
        }

        return next(context);
    }
}
