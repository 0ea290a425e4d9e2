namespace Portal.Api.Tests;

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.Infrastructure.Demo;

/// <summary>
/// Malformed input to every API endpoint — ids, bodies, content types, headers, query values — as an outsider would send it:
/// never a 500, always a problem response whose detail says which value is wrong and how.
/// </summary>
public sealed partial class BadInputTests(MatrixHost host) : IClassFixture<MatrixHost>
{
    private const string Project = $"/api/projects/{DemoSeeder.ProjectId}";
    private const string Env = $"{Project}/environments/develop-branch";
    private const string Report = $"{Env}/activities";
    private const string Create = $"{Env}/snapshots";
    private const string Restore = $"{Env}/snapshots/{{snapshot}}/restore";
    private const string Pin = $"{Env}/snapshots/{{snapshot}}/pin";
    private const string PinReason = "The pin's 'reason' must have 1 to 200 characters.";
    private const string Json = "application/json";
    private const string Types = "'type' must be one of: push, branch, merge, sync, redeploy, cron, variable.";
    private const string AllTypes = "snapshot, restore, snapshot delete, snapshot pin, snapshot unpin, snapshot verify, push, branch, merge, sync, redeploy, cron, variable, user access";
    private const string Limit = "'limit' must be a whole number from 1 to 100.";
    private const string NotSignedIn = "You are not signed in: send a personal API token as 'Authorization: Bearer portal_…' (create one on Portal's API tokens page), or sign in to Portal in a browser and call the API with the session cookie.";
    private const string Csrf = "Cookie-authenticated API requests that change state must send the header X-Requested-With (protection against cross-site request forgery).";
    private const string UnknownEnvironment = "Environment 'nowhere' was not found in project 'demo-shop'.";

    private static readonly string Long = new('a', 300);
    private static readonly string Quoted = $"'{new string('a', 60)}…'";

    /// <summary>Method, path ({snapshot}: a restorable snapshot), Content-Type (null: none), body (null: none), an extra header ("-Name": left out), status, detail (null: success, no problem).</summary>
    public static TheoryData<string, string, string?, string?, string?, int, string?> Rows => new()
    {
        // Ids: too long, control characters, other scripts, bytes that are not UTF-8, wrong shape — all simply unknown.
        { "GET", $"/api/projects/{Long}/environments", null, null, null, 404, $"Project {Quoted} was not found." },
        { "GET", "/api/projects/demo%01shop/environments", null, null, null, 404, "Project 'demo\u0001shop' was not found." },
        { "GET", "/api/projects/d%C3%A9mo/environments/master", null, null, null, 404, "Project 'démo' was not found." },
        { "GET", "/api/projects/%FF%FE/environments", null, null, null, 404, "Project '%FF%FE' was not found." },
        { "GET", $"{Project}/environments/{Long}", null, null, null, 404, $"Environment {Quoted} was not found in project 'demo-shop'." },
        { "GET", $"{Project}/environments/master%0Aadmin/snapshots", null, null, null, 404, "Environment 'master\nadmin' was not found in project 'demo-shop'." },
        { "GET", $"{Env}/snapshots/NOT_AN_ID", null, null, null, 404, "Snapshot 'NOT_AN_ID' was not found on environment develop-branch." },
        { "DELETE", $"{Env}/snapshots/{Long}", null, null, null, 404, $"Snapshot {Quoted} was not found on environment develop-branch." },
        { "POST", $"{Env}/snapshots/%7F/restore", null, null, null, 404, "Snapshot '\u007F' was not found on environment develop-branch." },
        { "GET", $"{Project}/activities/%20", null, null, null, 404, "Activity ' ' was not found." },
        { "POST", $"/api/projects/{Long}/environments/master/activities", Json, """{"type":"push","text":"x"}""", null, 404, $"Project {Quoted} was not found." },

        // Pins: a reason of one line is required; unpinning needs a pin.
        { "PUT", Pin, null, null, null, 400, PinReason },
        { "PUT", Pin, Json, """{"reason":"   "}""", null, 400, PinReason },
        { "PUT", Pin, Json, """{"reason":"{x*201}"}""", null, 400, PinReason },
        { "PUT", Pin, Json, """{"reason":"audit\nDROP"}""", null, 400, "The pin's 'reason' must be one line without control characters (line breaks, tabs, direction overrides)." },
        { "PUT", Pin, Json, """{"why":"audit"}""", null, 400, "Unknown field 'why': the fields are reason." },
        { "DELETE", Pin, null, null, null, 409, "Snapshot {snapshot} is not pinned." },
        { "PUT", $"{Env}/snapshots/nosuchsnap/pin", Json, """{"reason":"audit"}""", null, 404, "Snapshot 'nosuchsnap' was not found on environment develop-branch." },

        // Bodies of a reported activity: missing, null, wrong kinds, not an object, not JSON, Portal's own types, forged lines.
        { "POST", Report, Json, """{"text":"Deployed"}""", null, 400, $"An activity needs a type: {Types}" },
        { "POST", Report, Json, """{"type":null,"text":"Deployed"}""", null, 400, $"An activity needs a type: {Types}" },
        { "POST", Report, null, null, null, 400, $"An activity needs a type: {Types}" },
        { "POST", Report, Json, """{"type":"push"}""", null, 400, "The activity 'text' must have 1 to 500 characters." },
        { "POST", Report, Json, """{"type":"push","text":"   "}""", null, 400, "The activity 'text' must have 1 to 500 characters." },
        { "POST", Report, Json, """{"type":"push","text":"{x*501}"}""", null, 400, "The activity 'text' must have 1 to 500 characters." },
        { "POST", Report, Json, """{"type":"push","text":"Alice pushed\nAlice made Bob an admin"}""", null, 400,
            "The activity 'text' must be one line without control characters (line breaks, tabs, direction overrides)." },
        { "POST", Report, Json, """{"type":"push","text":"Bob pushed \u202Enimda"}""", null, 400,
            "The activity 'text' must be one line without control characters (line breaks, tabs, direction overrides)." },
        { "POST", Report, Json, """{"type":5,"text":"x"}""", null, 400, "The field 'type' must be a string or null." },
        { "POST", Report, Json, """{"type":"push","text":["x"]}""", null, 400, "The field 'text' must be a string or null." },
        { "POST", Report, Json, "null", null, 400, "The request body must be a JSON object with the fields type, text." },
        { "POST", Report, Json, """["push","x"]""", null, 400, "The request body must be a JSON object with the fields type, text." },
        { "POST", Report, Json, "{\"type\":\"push\",\"text\":\"x\\\"", null, 400, "The request body is not valid JSON (line 1, byte 27)." },
        { "POST", Report, Json, "{'type':'push'}", null, 400, "The request body is not valid JSON (line 1, byte 2)." },
        { "POST", Report, Json, """{"type":"deploy","text":"x"}""", null, 400, $"'deploy' is not an activity type; {Types}" },
        { "POST", Report, Json, """{"type":"user access","text":"Alice made Bob an admin"}""", null, 400,
            $"'user access' activities are recorded by Portal itself and cannot be reported; {Types}" },
        { "POST", Report, Json, """{"type":"project.access.update","text":"x"}""", null, 400,
            $"'user access' activities are recorded by Portal itself and cannot be reported; {Types}" },
        { "POST", Report, Json, """{"type":"snapshot","text":"x"}""", null, 400,
            $"'snapshot' activities are recorded by Portal itself and cannot be reported; {Types}" },
        { "POST", Report, Json, """{"type":"environment.restore","text":"x"}""", null, 400,
            $"'restore' activities are recorded by Portal itself and cannot be reported; {Types}" },
        { "POST", Report, Json, """{"type":"push","text":"x","initiated_by":"alice"}""", null, 400, "Unknown field 'initiated_by': the fields are type, text." },
        { "POST", Report, Json, """{"type":"push","type":"cron","text":"x"}""", null, 400, "The field 'type' is given more than once." },

        // Bodies of a snapshot and a restore.
        { "POST", Create, Json, """{"live":"yes"}""", null, 400, "The field 'live' must be true or false." },
        { "POST", Create, Json, """{"live":null}""", null, 400, "The field 'live' must be true or false." },
        { "POST", Create, Json, """{"live":1}""", null, 400, "The field 'live' must be true or false." },
        { "POST", Create, Json, """{"Live":true,"live":false}""", null, 400, "The field 'live' is given more than once." },
        { "POST", Create, Json, "\"live\"", null, 400, "The request body must be a JSON object with the fields live." },
        { "POST", Create, Json, "{\"live\":" + new string('[', 20) + "true" + new string(']', 20) + "}", null, 400, "The field 'live' must be true or false." },
        { "POST", Create, Json, "{\"live\":" + new string('[', 100) + new string(']', 100) + "}", null, 400, "The request body is not valid JSON (line 1, byte 72)." },
        { "POST", Restore, Json, """{"safety_snapshot":"no"}""", null, 400, "The field 'safety_snapshot' must be true, false or null." },
        { "POST", Restore, Json, """{"target":5}""", null, 400, "The field 'target' must be a string or null." },
        { "POST", Restore, Json, """{"targett":"staging"}""", null, 400, "Unknown field 'targett': the fields are safety_snapshot, target." },
        { "POST", Restore, Json, """{"target":"nowhere"}""", null, 404, UnknownEnvironment },

        // Content types and encodings.
        { "POST", Create, "application/json; charset=bogus", """{"live":false}""", null, 415,
            "The Content-Type charset 'bogus' is not supported: send UTF-8 (application/json; charset=utf-8)." },
        { "POST", Report, "application/json; charset=bogus", """{"type":"push","text":"x"}""", null, 415,
            "The Content-Type charset 'bogus' is not supported: send UTF-8 (application/json; charset=utf-8)." },
        { "POST", Restore, "application/json; charset=utf-16", """{}""", null, 415,
            "The Content-Type charset 'utf-16' is not supported: send UTF-8 (application/json; charset=utf-8)." },
        { "POST", Create, "text/plain", """{"live":false}""", null, 415, "Content-Type 'text/plain' is not supported: send the body as application/json." },
        { "POST", Create, "application/x-www-form-urlencoded", "live=true", null, 415,
            "Content-Type 'application/x-www-form-urlencoded' is not supported: send the body as application/json." },
        { "POST", Create, "json", """{"live":false}""", null, 415, "Content-Type 'json' is not supported: send the body as application/json." },
        { "POST", Create, null, """{"live":false}""", null, 415, "A request body needs the header Content-Type: application/json." },
        { "POST", Create, Json, """{"live":false}""", "Content-Encoding: gzip", 415, "Content-Encoding 'gzip' is not supported: send the JSON body uncompressed." },
        { "POST", Report, Json, """{"type":"push","text":"{x*70000}"}""", null, 413, "The request body must be at most 64 KB." },
        { "POST", Create, "application/json; charset=UTF-8", "\uFEFF{\"live\":false}", null, 202, null },

        // Headers: the CSRF header, a forged session cookie, an Accept the API does not offer.
        { "POST", Create, Json, """{"live":false}""", "-X-Requested-With", 401, Csrf },
        { "DELETE", $"{Env}/snapshots/{{snapshot}}", null, null, "-X-Requested-With", 401, Csrf },
        { "POST", Create, Json, """{"live":false}""", "Cookie: __Portal=forged", 401, NotSignedIn },
        { "GET", Env, null, null, "Accept: application/xml", 200, null },


        // Ending a member's sessions: unknown or malformed user ids are simply not members; the CSRF header is needed.
        { "DELETE", $"{Project}/members/{Long}/sessions", null, null, null, 404, $"User {Quoted} is not a member of project 'demo-shop'." },
        { "DELETE", $"{Project}/members/d%C3%A9%01ve/sessions", null, null, null, 404, "User 'dé\u0001ve' is not a member of project 'demo-shop'." },
        { "DELETE", $"/api/projects/{Long}/members/bob/sessions", null, null, null, 404, $"Project {Quoted} was not found." },
        { "DELETE", $"{Project}/members/bob/sessions", null, null, "-X-Requested-With", 401, Csrf },
        { "POST", $"{Project}/members/bob/sessions", Json, "{}", null, 405, $"'POST {Project}/members/bob/sessions' is not allowed: this path answers DELETE, GET, HEAD." },

        // Paths and methods the API does not have.
        { "GET", "/api/nope", null, null, null, 404, "There is no API call 'GET /api/nope'." },
        { "GET", $"{Report}/x/y", null, null, null, 404, $"There is no API call 'GET {Report}/x/y'." },
        { "PUT", Create, Json, "{}", null, 405, $"'PUT {Create}' is not allowed: this path answers GET, HEAD, POST." },
        { "PATCH", $"{Env}/snapshots/{{snapshot}}", Json, "{}", null, 405, $"'PATCH {Env}/snapshots/{{snapshot}}' is not allowed: this path answers DELETE, GET, HEAD." },

        // Query values of the feed.
        { "GET", $"{Report}?limit=abc", null, null, null, 400, Limit },
        { "GET", $"{Report}?limit=0", null, null, null, 400, Limit },
        { "GET", $"{Report}?limit=101", null, null, null, 400, Limit },
        { "GET", $"{Report}?limit=-1", null, null, null, 400, Limit },
        { "GET", $"{Report}?limit=99999999999", null, null, null, 400, Limit },
        { "GET", $"{Report}?limit=1&limit=2", null, null, null, 400, Limit },
        { "GET", $"{Report}?after=garbage", null, null, null, 400, "'after' is not a cursor this API returned: pass the 'next' of the previous page." },
        { "GET", $"{Report}?after=99999999999999999999.1", null, null, null, 400, "'after' is not a cursor this API returned: pass the 'next' of the previous page." },
        { "GET", $"{Report}?state=done", null, null, null, 400, "'state' must be pending, in_progress, complete or cancelled (several comma-separated); got 'done'." },
        { "GET", $"{Report}?state=complete,done", null, null, null, 400,
            "'state' must be pending, in_progress, complete or cancelled (several comma-separated); got 'complete,done'." },
        { "GET", $"{Report}?result=ok", null, null, null, 400, "'result' must be success or failure; got 'ok'." },
        { "GET", $"{Report}?type=deploy", null, null, null, 400, $"'type' 'deploy' is not an activity type: the types are {AllTypes}." },
        { "GET", $"{Report}?type=%00", null, null, null, 400, $"'type' '\0' is not an activity type: the types are {AllTypes}." },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Malformed_input_gets_a_4xx_problem_naming_what_is_wrong_never_a_500(
        string method, string path, string? contentType, string? body, string? header, int status, string? detail)
    {
        var ct = TestContext.Current.CancellationToken;
        if (path.Contains("{snapshot}", StringComparison.Ordinal))
        {
            var snapshotId = await host.Factory.AddRestorableSnapshotAsync("develop-branch", ct);
            path = path.Replace("{snapshot}", snapshotId, StringComparison.Ordinal);
            detail = detail?.Replace("{snapshot}", snapshotId, StringComparison.Ordinal);
        }

        var forgedCookie = header?.StartsWith("Cookie:", StringComparison.Ordinal) == true;
        using var client = forgedCookie ? host.Factory.CreateClient() : await host.Factory.SignedInClientAsync(DemoSeeder.AdminUserId, ct);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Repeated().Replace(body, m => new string('x', int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)))));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        if (header != "-X-Requested-With")
        {
            request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        }

        if (header is not null && !header.StartsWith('-'))
        {
            var (name, value) = (header[..header.IndexOf(':', StringComparison.Ordinal)], header[(header.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content!.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);

        Assert.True(status == (int)response.StatusCode, $"{method} {path}: expected {status}, got {(int)response.StatusCode}: {text}");
        if (detail is null)
        {
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            return;
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(detail, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
    }

    /// <summary>"{x*501}" in a body stands for 501 x's, so long bodies do not make long test names.</summary>
    [GeneratedRegex(@"\{x\*(\d+)\}")]
    private static partial Regex Repeated();
}
