namespace Portal.Infrastructure.Activities;

using Portal.Engine;

/// <summary>Turns failures a user can fix (a denied path, a full disk) into sentences that say what to do, instead of "unexpected error".</summary>
internal static class FailureMessages
{
    public static string? Describe(Exception exception) => exception switch
    {
        UnauthorizedAccessException denied =>
            $"Portal, running as user '{Environment.UserName}', was refused access: {denied.Message.TrimEnd('.')}. Give that user access to the path.",
        IOException io when DiskFailures.IsDiskFull(io) =>
            $"A disk is full: {io.Message.TrimEnd('.')}. Free some space there and run it again.",
        _ => null,
    };
}
