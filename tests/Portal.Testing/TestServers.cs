namespace Portal.Testing;

/// <summary>
/// Connection strings of the real servers the test command starts; a missing one fails under CI=true and skips elsewhere,
/// so every test project fails or skips alike.
/// </summary>
public static class TestServers
{
    public const string Postgres = "PORTAL_TEST_POSTGRES";
    public const string MariaDb = "PORTAL_TEST_MARIADB";
    public const string Redis = "PORTAL_TEST_REDIS";

    /// <summary>An S3-compatible server's URL (s3rver), holding <see cref="S3Bucket"/>; it takes the credentials <see cref="S3AccessKey"/> / <see cref="S3SecretKey"/>.</summary>
    public const string S3 = "PORTAL_TEST_S3";

    /// <summary>The bucket build.sh has s3rver create at start (--configure-bucket); tests keep apart by key prefix.</summary>
    public const string S3Bucket = "portal-tests";

    /// <summary>s3rver's built-in test credentials (not a secret).</summary>
    public const string S3AccessKey = "S3RVER";

    public const string S3SecretKey = "S3RVER";

    /// <summary>A real SMTP server (aiosmtpd) as <c>host:port</c>: it takes every message, without sign-in or TLS.</summary>
    public const string Smtp = "PORTAL_TEST_SMTP";

    /// <summary>The Maildir that <see cref="Smtp"/> writes each message it accepted into (one file under <c>new/</c> per message).</summary>
    public const string Maildir = "PORTAL_TEST_MAILDIR";

    public static string Require(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        var message = $"{variable} is not set: run the tests with ./build.sh test, or start servers with ./build.sh servers and export what it prints.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return value!;
    }

    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];
}
