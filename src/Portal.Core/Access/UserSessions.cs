namespace Portal.Core.Access;

/// <summary>
/// One signed-in browser session. The session cookie carries only its id; the row says whether it still counts, so every
/// Portal node sees a sign-out or a "sign out everywhere" at the next request.
/// </summary>
public sealed class UserSession
{
    /// <summary>A session unused this long has ended, as its sliding cookie has.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(8);

    public required string Id { get; init; }
    public required string UserId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a request last used it (written at most every few minutes); idle sessions end like the cookie does.</summary>
    public DateTimeOffset LastSeenAt { get; set; }
}

/// <summary>Server-side sessions: started at sign-in, checked at every request, ended by sign-out, an admin, or losing access.</summary>
public interface IUserSessionStore
{
    /// <summary>Records a new session for the user and returns its id (random, unguessable).</summary>
    Task<string> StartAsync(string userId, CancellationToken cancellationToken);

    /// <summary>True while the session exists, belongs to the user and has not been idle longer than the session lifetime.</summary>
    Task<bool> IsActiveAsync(string sessionId, string userId, CancellationToken cancellationToken);

    /// <summary>Ends one session (sign-out); nothing happens when it is already gone.</summary>
    Task EndAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Ends every session of the user; returns how many there were.</summary>
    Task<int> EndAllAsync(string userId, CancellationToken cancellationToken);
}
