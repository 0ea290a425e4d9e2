namespace Portal.Infrastructure.Persistence;

/// <summary>Column sizes the entity configurations set and the declarations validator checks, so a value too long for PostgreSQL is refused by its setting's name.</summary>
internal static class ColumnLengths
{
    public const int UserId = 200;
    public const int Title = 200;
    public const int Name = 128;
    public const int Command = 2000;
    public const int Location = 2000;
    public const int Reason = 2000;
}
