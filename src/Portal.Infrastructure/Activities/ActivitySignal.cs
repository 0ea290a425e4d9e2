namespace Portal.Infrastructure.Activities;

using System.Threading.Channels;

/// <summary>Wakes the worker as soon as work is enqueued; several wake-ups before it looks collapse into one.</summary>
public sealed class ActivitySignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    public void Wake() => _channel.Writer.TryWrite(true);

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        await _channel.Reader.WaitToReadAsync(cancellationToken);
        _channel.Reader.TryRead(out _);
    }
}
