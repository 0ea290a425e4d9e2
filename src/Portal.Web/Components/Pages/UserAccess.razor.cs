namespace Portal.Web.Components.Pages;

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Access;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Web.Identity;

/// <summary>The User access page: the project's members and their roles, for project admins; others are added by exact user id or e-mail.</summary>
public partial class UserAccess
{
    private static readonly EnvironmentType[] Types = [EnvironmentType.Production, EnvironmentType.Staging, EnvironmentType.Development];

    private IReadOnlyList<UserAccessEntry>? _users;
    private string? _error;
    private bool _notFound;
    private bool _busy;
    private string? _newMember;

    [Inject] private UserAccessService Access { get; set; } = default!;
    [Inject] private CurrentActor Me { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter] public string ProjectId { get; set; } = "";

    protected override Task OnParametersSetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            _users = await Access.ListAsync(await Me.GetAsync(), ProjectId, default);
        }
        catch (PortalRefusedException refused)
        {
            // Users without any role on the project do not learn that it exists.
            _notFound = refused.Refusal.IsNotFound;
            _error = refused.Message;
            _users = null;
        }
    }

    private async Task AddAsync()
    {
        var added = await ChangeAsync(async actor => await Access.AddMemberAsync(actor, ProjectId, _newMember, default));
        if (added)
        {
            _newMember = null;
        }
    }

    private Task<bool> SetProjectRoleAsync(UserAccessEntry user, string value) => ChangeAsync(async actor =>
        await Access.SetProjectRoleAsync(actor, ProjectId, user.UserId, Parse<ProjectRole>(value), default));

    private Task<bool> SetTypeRoleAsync(UserAccessEntry user, EnvironmentType type, string value) => ChangeAsync(async actor =>
        await Access.SetEnvironmentRoleAsync(actor, ProjectId, user.UserId, type, Parse<EnvironmentRole>(value), default));

    private Task<bool> SignOutEverywhereAsync(UserAccessEntry user) => ChangeAsync(async actor =>
        await Access.SignOutEverywhereAsync(actor, ProjectId, user.UserId, default));

    /// <summary>Runs one change through the application layer, says what it did (or why not), and lists the members again.</summary>
    private async Task<bool> ChangeAsync(Func<Actor, Task<Activity?>> change)
    {
        _busy = true;
        var done = false;
        try
        {
            var activity = await change(await Me.GetAsync());
            if (activity is not null)
            {
                Snackbar.Add(activity.Text, Severity.Success);
            }

            _error = null;
            done = true;
        }
        catch (PortalRefusedException refused)
        {
            _error = refused.Message;
        }
        finally
        {
            _busy = false;
        }

        await LoadAsync();
        return done;
    }

    private static string Name<T>(T? role)
        where T : struct, Enum => role is { } value ? value.ToString().ToLowerInvariant() : "none";

    private static string TypeRole(UserAccessEntry user, EnvironmentType type) =>
        Name(user.TypeRoles.TryGetValue(type, out var role) ? role : (EnvironmentRole?)null);

    private static T? Parse<T>(string value)
        where T : struct, Enum => Enum.TryParse<T>(value, ignoreCase: true, out var parsed) ? parsed : null;

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
