namespace Portal.Engine.Store;

/// <summary>
/// A store failure worth another try (a throttled request, a 5xx answer, a connection reset), thrown by remote stores so
/// <see cref="RetryingObjectStore"/> can tell it from a permanent one. An IOException, so callers that report I/O failures report it too.
/// </summary>
internal sealed class ObjectStoreTransientException : IOException
{
    public ObjectStoreTransientException(string message)
        : base(message)
    {
    }

    public ObjectStoreTransientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
