namespace Portal.Infrastructure.Environments;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Portal.Contracts;
using Portal.Core.Access;
using Portal.Core.Environments;
using Portal.Infrastructure.Persistence;

/// <summary>
/// Projects, environments and their services declared in configuration (section <c>Projects</c>), so an admin
/// describes a shop's database, Redis and mounts once, in appsettings or environment variables.
/// </summary>
public sealed class ConfiguredProjects
{
    public const string Section = "Projects";

    public List<ProjectDefinition> Items { get; set; } = [];
}

public sealed class ProjectDefinition
{
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";

    /// <summary>User ids (the token's oid/sub) who are project admins; more roles come from Access:RoleMappings.</summary>
    public List<string> Admins { get; set; } = [];

    /// <summary>The IANA time zone schedules are read in, e.g. <c>Europe/Berlin</c>.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Where alerts go: each gets a signed JSON POST for every activity of the project that fails or is cancelled.</summary>
    public List<WebhookDefinition> Webhooks { get; set; } = [];

    /// <summary>Where alerts go by e-mail, e.g. <c>ops@shop.example</c>: each address gets every alert, once <c>Alerts:Smtp:Host</c> is set.</summary>
    public List<string> AlertEmails { get; set; } = [];
    public List<EnvironmentDefinition> Environments { get; set; } = [];
}

public sealed class EnvironmentDefinition
{
    public string Name { get; set; } = "";
    public string? Title { get; set; }
    public string? Parent { get; set; }
    public EnvironmentType Type { get; set; } = EnvironmentType.Development;
    public EnvironmentPlan Plan { get; set; } = EnvironmentPlan.Starter;
    public EnvironmentStatus Status { get; set; } = EnvironmentStatus.Active;
    public string? PreSnapshotCommand { get; set; }
    public string? PostSnapshotCommand { get; set; }

    /// <summary>The label a node needs (in <c>Activities:NodeLabels</c>) to run this environment's activities: where its data can be reached.</summary>
    public string Placement { get; set; } = Persistence.Configurations.LeaseColumns.AnyNode;

    public List<ServiceDefinition> Services { get; set; } = [];

    /// <summary>Snapshots Portal takes by itself; declared here, it is shown in the pane but changed only here.</summary>
    public ScheduleDefinition? Schedule { get; set; }
}

public sealed class WebhookDefinition
{
    /// <summary>An absolute http or https address.</summary>
    public string Url { get; set; } = "";

    /// <summary>The key of the HMAC-SHA256 signature the receiver checks; never shown or logged.</summary>
    public string Secret { get; set; } = "";
}

public sealed class ScheduleDefinition
{
    /// <summary>Five cron fields in the project's time zone, e.g. <c>0 2 * * *</c>.</summary>
    public string Cron { get; set; } = "";
    public bool Live { get; set; }
}

public sealed class ServiceDefinition
{
    public string Name { get; set; } = "";
    public ServiceKind Kind { get; set; }

    /// <summary>A folder (Mount), a file (Sqlite) or a connection string (MySql, PostgreSql, Redis).</summary>
    public string Location { get; set; } = "";
}

/// <summary>
/// Refuses to start on a declaration that cannot be right, naming the setting to fix. Given the section, it first binds each
/// project, environment and service on its own: the binder drops one it cannot read (an unknown Kind, Type or Plan) without a
/// word, which would shift every index after it.
/// </summary>
internal sealed class ConfiguredProjectsValidator(IConfigurationSection? projects = null) : IValidateOptions<ConfiguredProjects>
{
    public ValidateOptionsResult Validate(string? name, ConfiguredProjects options)
    {
        if (projects is not null && Unreadable(projects) is { Failed: true } unreadable)
        {
            return unreadable;
        }

        var errors = new List<string>();
        var projectIds = new HashSet<string>(StringComparer.Ordinal);
        for (var p = 0; p < options.Items.Count; p++)
        {
            var project = options.Items[p];
            var at = $"{ConfiguredProjects.Section}:{p}";
            if (!Core.Common.PortalIds.IsWellFormed(project.Id))
            {
                errors.Add($"{at}:Id must be lowercase letters, digits and '-' (got '{project.Id}').");
            }
            else if (!projectIds.Add(project.Id))
            {
                errors.Add($"{at}:Id '{project.Id}' is declared twice.");
            }

            Limit(errors, $"{at}:Title", project.Title, ColumnLengths.Title);
            var hookUrls = new HashSet<string>(StringComparer.Ordinal);
            for (var w = 0; w < project.Webhooks.Count; w++)
            {
                var hook = project.Webhooks[w];
                if (!Uri.TryCreate(hook.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || hook.Url.Length > 2000)
                {
                    errors.Add($"{at}:Webhooks:{w}:Url must be an absolute http or https address of at most 2000 characters (got '{hook.Url}').");
                }
                else if (!hookUrls.Add(hook.Url))
                {
                    // Each alert goes once to each webhook: a second entry would be a second delivery of the same alert.
                    errors.Add($"{at}:Webhooks:{w}:Url '{hook.Url}' is declared twice.");
                }

                if (hook.Secret.Length < 16)
                {
                    errors.Add($"{at}:Webhooks:{w}:Secret must be at least 16 characters: it signs every alert the receiver trusts.");
                }
            }

            var addresses = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var m = 0; m < project.AlertEmails.Count; m++)
            {
                var address = project.AlertEmails[m];
                if (!Alerts.MailAddresses.TryParse(address, out var mailbox))
                {
                    errors.Add($"{at}:AlertEmails:{m} must be one e-mail address such as ops@shop.example, of at most {Alerts.MailAddresses.MaxLength} characters (got '{address}').");
                }
                else if (!addresses.Add(mailbox.Address))
                {
                    // Each alert goes once to each address: a second entry would be a second delivery of the same mail.
                    errors.Add($"{at}:AlertEmails:{m} '{address}' is declared twice.");
                }
            }

            var zone = Core.Schedules.ScheduleRules.FindZone(project.TimeZone);
            if (zone is null)
            {
                errors.Add($"{at}:TimeZone must be a time zone this machine knows, e.g. 'Europe/Berlin' or 'UTC' (got '{project.TimeZone}').");
            }
            for (var a = 0; a < project.Admins.Count; a++)
            {
                if (string.IsNullOrWhiteSpace(project.Admins[a]))
                {
                    errors.Add($"{at}:Admins:{a} must be a user id (the token's oid or sub).");
                }

                Limit(errors, $"{at}:Admins:{a}", project.Admins[a], ColumnLengths.UserId);
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var e = 0; e < project.Environments.Count; e++)
            {
                var environment = project.Environments[e];
                var envAt = $"{at}:Environments:{e}";
                if (string.IsNullOrWhiteSpace(environment.Name) || !names.Add(environment.Name))
                {
                    errors.Add($"{envAt}:Name must be set and unique within project '{project.Id}' (got '{environment.Name}').");
                }

                Limit(errors, $"{envAt}:Name", environment.Name, ColumnLengths.Name);
                Limit(errors, $"{envAt}:Title", environment.Title, ColumnLengths.Title);
                Limit(errors, $"{envAt}:PreSnapshotCommand", environment.PreSnapshotCommand, ColumnLengths.Command);
                Limit(errors, $"{envAt}:PostSnapshotCommand", environment.PostSnapshotCommand, ColumnLengths.Command);
                if (string.IsNullOrWhiteSpace(environment.Placement) || environment.Placement.Length > 64)
                {
                    errors.Add($"{envAt}:Placement must be a label of 1 to 64 characters (got '{environment.Placement}').");
                }

                if (environment.Schedule is { } schedule
                    && Core.Schedules.ScheduleRules.Check(schedule.Cron, zone ?? TimeZoneInfo.Utc, DateTimeOffset.UtcNow).Problem is { } problem)
                {
                    errors.Add($"{envAt}:Schedule:Cron: {problem.Message}");
                }

                if (environment.Status is not (EnvironmentStatus.Active or EnvironmentStatus.Inactive))
                {
                    // Paused and dirty are Portal's own: an activity sets them and only Portal may lift them.
                    errors.Add($"{envAt}:Status must be Active or Inactive (got '{environment.Status}').");
                }

                var services = new HashSet<string>(StringComparer.Ordinal);
                for (var s = 0; s < environment.Services.Count; s++)
                {
                    var service = environment.Services[s];
                    var serviceAt = $"{envAt}:Services:{s}";
                    if (string.IsNullOrWhiteSpace(service.Name) || !services.Add(service.Name))
                    {
                        errors.Add($"{serviceAt}:Name must be set and unique within environment '{environment.Name}'.");
                    }

                    Limit(errors, $"{serviceAt}:Name", service.Name, ColumnLengths.Name);
                    Limit(errors, $"{serviceAt}:Location", service.Location, ColumnLengths.Location);
                    if (string.IsNullOrWhiteSpace(service.Location))
                    {
                        errors.Add($"{serviceAt}:Location is required (a folder, a file or a connection string).");
                    }
                    else if (service.Kind is ServiceKind.Mount or ServiceKind.Sqlite && !Path.IsPathFullyQualified(service.Location))
                    {
                        errors.Add($"{serviceAt}:Location must be an absolute path for a {service.Kind} (got '{service.Location}').");
                    }
                }
            }

            foreach (var environment in project.Environments.Where(e => e.Parent is not null && !names.Contains(e.Parent)))
            {
                errors.Add($"{at}: environment '{environment.Name}' names parent '{environment.Parent}', which is not declared.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static ValidateOptionsResult Unreadable(IConfigurationSection projects)
    {
        var problems = new Core.Common.SettingProblems();
        problems.Items<ProjectDefinition>(projects, (project, _) =>
            problems.Items<EnvironmentDefinition>(project.GetSection(nameof(ProjectDefinition.Environments)), (environment, _) =>
                problems.Items<ServiceDefinition>(environment.GetSection(nameof(EnvironmentDefinition.Services)))));
        return problems.Result;
    }

    private static void Limit(List<string> errors, string setting, string? value, int maxLength)
    {
        if (value?.Length > maxLength)
        {
            errors.Add($"{setting} must be at most {maxLength} characters (got {value.Length}).");
        }
    }
}
