namespace Portal.Infrastructure.LiveUpdates;

using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Core.Activities;
using Portal.Core.Environments;

/// <summary>
/// The NOTIFY payloads that carry activity updates between nodes: JSON naming the sending node, whether receivers must
/// resync, and the updates, packed several to a payload and always under PostgreSQL's 8000-byte limit. Long text (a log
/// line, a message, a reason) is cut with a mark saying so; the database keeps it whole.
/// </summary>
internal static class ActivityNotifications
{
    /// <summary>PostgreSQL refuses a payload of 8000 bytes or more; the rest is headroom for the envelope.</summary>
    public const int MaxPayloadBytes = 7800;

    public const int MaxLogLineBytes = 4000;

    public const string CutMark = " … [cut short for the live view; the activity's log has the whole line]";

    private const int MaxTextBytes = 500;
    private const int MaxElementBytes = MaxPayloadBytes - 200;

    private static readonly JsonSerializerOptions Json = new()
    {
        // Payloads are never HTML; keeping non-ASCII as UTF-8 keeps them small and their size predictable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The payloads for these updates in order; with none and <paramref name="resync"/>, one payload that only asks for a resync.</summary>
    public static List<string> Encode(string node, IReadOnlyList<ActivityUpdate> updates, bool resync, int maxLogLineBytes)
    {
        var head = $"{{\"n\":{JsonSerializer.Serialize(node, Json)},\"r\":{(resync ? "true" : "false")},\"u\":[";
        var headBytes = Encoding.UTF8.GetByteCount(head) + 2;
        var payloads = new List<string>();
        var elements = new List<string>();
        var bytes = headBytes;
        foreach (var update in updates.Where(u => !u.IsResync))
        {
            var element = Element(update, maxLogLineBytes);
            var size = Encoding.UTF8.GetByteCount(element) + 1;
            if (elements.Count > 0 && bytes + size > MaxPayloadBytes)
            {
                payloads.Add(head + string.Join(',', elements) + "]}");
                elements.Clear();
                bytes = headBytes;
            }

            elements.Add(element);
            bytes += size;
        }

        if (elements.Count > 0 || (resync && payloads.Count == 0))
        {
            payloads.Add(head + string.Join(',', elements) + "]}");
        }

        return payloads;
    }

    /// <summary>Reads a payload; throws <see cref="FormatException"/> or <see cref="JsonException"/> for one no Portal node sent.</summary>
    public static Received Decode(string payload)
    {
        var envelope = JsonSerializer.Deserialize<Envelope>(payload, Json) ?? throw new FormatException("The payload is null.");
        if (string.IsNullOrEmpty(envelope.Node))
        {
            throw new FormatException("The payload names no node.");
        }

        return new Received(envelope.Node, envelope.Resync, [.. (envelope.Updates ?? []).Select(ToUpdate)]);
    }

    private static string Element(ActivityUpdate update, int maxLogLineBytes)
    {
        var line = update.LogLine;
        var budget = Math.Min(maxLogLineBytes, MaxLogLineBytes);
        while (true)
        {
            var wire = new Wire(update.ActivityId, update.ProjectId, update.EnvironmentId, update.Type, update.State, update.Result,
                update.CompletionPercent, Cut(update.Message, Math.Min(budget, MaxTextBytes)),
                update.EstimatedRemaining is { } eta ? (long)eta.TotalMilliseconds : null, update.IsNew ? true : null,
                update.EnvironmentStatus, Cut(update.EnvironmentStatusReason, Math.Min(budget, MaxTextBytes)),
                Cut(line, budget), update.LogIndex >= 0 ? update.LogIndex : null);
            var element = JsonSerializer.Serialize(wire, Json);

            // Escaped control characters can make the JSON larger than the text: cut harder until it fits.
            if (Encoding.UTF8.GetByteCount(element) <= MaxElementBytes || budget <= 64)
            {
                return element;
            }

            budget /= 2;
        }
    }

    /// <summary>The text whole when it fits in <paramref name="maxBytes"/> UTF-8 bytes, else its start (whole characters) and the mark.</summary>
    internal static string? Cut(string? text, int maxBytes)
    {
        if (text is null || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var room = Math.Max(0, maxBytes - Encoding.UTF8.GetByteCount(CutMark));
        var kept = new StringBuilder();
        var used = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > room)
            {
                break;
            }

            kept.Append(rune.ToString());
            used += rune.Utf8SequenceLength;
        }

        return kept.Append(CutMark).ToString();
    }

    private static ActivityUpdate ToUpdate(Wire? wire)
    {
        if (wire is null || string.IsNullOrEmpty(wire.ActivityId) || string.IsNullOrEmpty(wire.ProjectId) || wire.Type is null
            || !Enum.IsDefined(wire.State) || (wire.Result is { } result && !Enum.IsDefined(result))
            || (wire.EnvironmentStatus is { } status && !Enum.IsDefined(status)))
        {
            throw new FormatException("An update lacks its activity, project, type or a known state.");
        }

        return new ActivityUpdate(wire.ActivityId, wire.ProjectId, wire.EnvironmentId, wire.Type, wire.State, wire.Result,
            Math.Clamp(wire.Percent, 0, 100), wire.Message, wire.EtaMilliseconds is { } eta ? TimeSpan.FromMilliseconds(eta) : null,
            wire.IsNew == true, wire.EnvironmentStatus, wire.EnvironmentStatusReason, wire.LogLine, wire.LogIndex ?? -1);
    }

    internal sealed record Received(string Node, bool Resync, IReadOnlyList<ActivityUpdate> Updates);

    private sealed record Envelope(
        [property: JsonPropertyName("n")] string? Node,
        [property: JsonPropertyName("r")] bool Resync,
        [property: JsonPropertyName("u")] IReadOnlyList<Wire?>? Updates);

    private sealed record Wire(
        [property: JsonPropertyName("a")] string ActivityId,
        [property: JsonPropertyName("p")] string ProjectId,
        [property: JsonPropertyName("e")] Guid EnvironmentId,
        [property: JsonPropertyName("t")] string Type,
        [property: JsonPropertyName("s")] ActivityState State,
        [property: JsonPropertyName("r")] ActivityResult? Result,
        [property: JsonPropertyName("c")] int Percent,
        [property: JsonPropertyName("m")] string? Message,
        [property: JsonPropertyName("eta")] long? EtaMilliseconds,
        [property: JsonPropertyName("new")] bool? IsNew,
        [property: JsonPropertyName("es")] EnvironmentStatus? EnvironmentStatus,
        [property: JsonPropertyName("er")] string? EnvironmentStatusReason,
        [property: JsonPropertyName("l")] string? LogLine,
        [property: JsonPropertyName("i")] int? LogIndex);
}
