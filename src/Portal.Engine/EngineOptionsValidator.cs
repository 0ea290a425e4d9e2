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

        Defined(problems, nameof(options.StoreKind), options.StoreKind);
        if (options.StoreKind == StoreKind.S3)
        {
            S3(problems, options.S3);
        }

        if (!string.IsNullOrWhiteSpace(options.ToolDirectory) && !Directory.Exists(options.ToolDirectory))
        {
            problems.Add($"Engine:ToolDirectory must be an existing folder (got \"{options.ToolDirectory}\")");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void S3(List<string> problems, S3StoreOptions s3)
    {
        if (string.IsNullOrWhiteSpace(s3.Bucket))
        {
            problems.Add($"{EngineOptions.Section}:S3:Bucket must name the bucket when Engine:StoreKind is S3");
        }

        if (!string.IsNullOrEmpty(s3.ServiceUrl)
            && !(Uri.TryCreate(s3.ServiceUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)))
        {
            problems.Add($"{EngineOptions.Section}:S3:ServiceUrl must be an http(s) URL or empty for AWS (got \"{s3.ServiceUrl}\")");
        }

        if (s3.Prefix.Contains("//", StringComparison.Ordinal))
        {
            problems.Add($"{EngineOptions.Section}:S3:Prefix must not hold an empty folder name (got \"{s3.Prefix}\")");
        }

        Range(problems, "S3:PartSizeMiB", s3.PartSizeMiB, S3StoreOptions.MinPartSizeMiB, S3StoreOptions.MaxPartSizeMiB);
        Range(problems, "S3:Parallelism", s3.Parallelism, 1, S3StoreOptions.MaxParallelism);
        Range(problems, "S3:PackObjectsUpToKiB", s3.PackObjectsUpToKiB, 0, S3StoreOptions.MaxPackObjectsUpToKiB);
        Range(problems, "S3:PackSizeMiB", s3.PackSizeMiB, 1, S3StoreOptions.MaxPackSizeMiB);
        Range(problems, "S3:PackCacheMiB", s3.PackCacheMiB, 0, int.MaxValue);
        if (s3.PackObjectsUpToKiB > 0 && s3.PackObjectsUpToKiB > s3.PackSizeMiB * 1024)
        {
            problems.Add($"{EngineOptions.Section}:S3:PackObjectsUpToKiB ({s3.PackObjectsUpToKiB}) must not exceed S3:PackSizeMiB ({s3.PackSizeMiB} MiB)");
        }
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
