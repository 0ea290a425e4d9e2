namespace Portal.Contracts;

using System.Text.Json;

/// <summary>How the API writes JSON: snake_case fields, as the Platform.sh API does, so scripts written for it read naturally.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        return options;
    }
}
