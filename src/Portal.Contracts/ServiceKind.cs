namespace Portal.Contracts;

/// <summary>
/// What kind of persistent data a service holds (never code), which decides the engine adapter that captures it.
/// Stored by name in manifests, the metadata database and configuration, so members may be added but never renamed.
/// </summary>
public enum ServiceKind
{
    Mount,
    Sqlite,
    MySql,
    PostgreSql,
    Redis,
}
