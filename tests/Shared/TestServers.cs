namespace Portal.Tests;

/// <summary>
/// Connection strings of the real servers the test command starts; a missing one fails under CI=true and skips elsewhere.
/// Linked into each test project that needs a server, so both fail or skip alike.
/// </summary>
internal static class TestServers
{
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
