namespace Portal.Engine;

using Microsoft.Extensions.Options;

/// <summary>Refuses to start on an engine setting that cannot work, naming it as Engine:Key with the value it got.</summary>
internal sealed class EngineOptionsValidator : IValidateOptions<EngineOptions>
{
    public ValidateOptionsResult Validate(string? name, EngineOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.StorePath))
        {
            problems.Add("Engine:StorePath must name the snapshot store folder");
        }
        else if (LocalFolder.Problem(options.StorePath) is { } store)
        {
            problems.Add($"Engine:StorePath {store}");
        }

        Range(problems, nameof(options.ChunkSizeBytes), options.ChunkSizeBytes, EngineOptions.MinChunkSizeBytes, EngineOptions.MaxChunkSizeBytes);
        Range(problems, nameof(options.CompressionLevel), options.CompressionLevel, 1, 19);
        Defined(problems, nameof(options.MySqlMethod), options.MySqlMethod);
        Defined(problems, nameof(options.RedisMethod), options.RedisMethod);
        Range(problems, "StoreRetry:MaxAttempts", options.StoreRetry.MaxAttempts, 1, StoreRetryOptions.MaxMaxAttempts);
        if (options.StoreRetry.MaxDelay <= TimeSpan.Zero || options.StoreRetry.MaxDelay > StoreRetryOptions.MaxMaxDelay)
        {
            problems.Add($"{EngineOptions.Section}:StoreRetry:MaxDelay must be more than 0 and at most {StoreRetryOptions.MaxMaxDelay} (got {options.StoreRetry.MaxDelay})");
        }

        if (options.StoreRetry.InitialDelay <= TimeSpan.Zero || options.StoreRetry.InitialDelay > options.StoreRetry.MaxDelay)
        {
            problems.Add($"{EngineOptions.Section}:StoreRetry:InitialDelay must be more than 0 and at most Engine:StoreRetry:MaxDelay (got {options.StoreRetry.InitialDelay})");
        }

        if (!string.IsNullOrWhiteSpace(options.ToolDirectory) && !Directory.Exists(options.ToolDirectory))
        {
            problems.Add($"Engine:ToolDirectory must be an existing folder (got \"{options.ToolDirectory}\")");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void Range(List<string> problems, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{EngineOptions.Section}:{key} must be between {min} and {max} (got {value})");
        }
    }

    private static void Defined<T>(List<string> problems, string key, T value)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            problems.Add($"{EngineOptions.Section}:{key} must be {string.Join(" or ", Enum.GetNames<T>())} (got {value})");
        }
    }
}
