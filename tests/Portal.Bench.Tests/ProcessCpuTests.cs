namespace Portal.Bench.Tests;

using System.Security.Cryptography;

public sealed class ProcessCpuTests
{
    [Fact]
    public void SecondsOfARunningProcessGrowWithTheWorkItDoes()
    {
        var before = ProcessCpu.Seconds(Environment.ProcessId);
        var block = new byte[1 << 20];
        for (var i = 0; i < 300; i++)
        {
            block[0] = SHA256.HashData(block)[0];
        }

        Assert.True(ProcessCpu.Seconds(Environment.ProcessId) > before);
    }
}
