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
