namespace Portal.Infrastructure.Tests.Support;

/// <summary>Connection strings of the real servers the test command starts; a missing one fails under CI=true and skips elsewhere.</summary>
public static class TestServers
{
    public static string Require(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        var message = $"{variable} is not set: run the tests with ./build.sh test, which starts the servers they need.";
        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", message);
        Assert.Skip(message);
        return value!;
    }
}
