namespace Portal.Engine.Tests;

/// <summary>Connection strings of the real servers the test command provides; missing ones fail under CI and skip elsewhere.</summary>
internal static class TestServers
{
    public static string Require(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        var message = $"{variable} is not set; start throwaway servers with tests/Portal.Engine.Tests/test-servers.sh start DIR and export what it prints.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return value!;
    }

    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];
}
