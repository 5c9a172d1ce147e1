using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Web;
using FluentValidation;
using Npgsql;

namespace Facilities.Api.Features.Claims;

/// <summary>Where an operator's claim is (wire and SQL names through <see cref="WireName"/>).</summary>
public enum ClaimState
{
    Pending,
    Approved,
    Rejected,
    Revoked,
}

/// <summary>
/// What an operator may own, by the facilities' own attribute names. Each group is owned whole: a status goes with
/// the date a temporary closure ends, a fee with its charge, so that nobody else half-edits what the operator keeps.
/// </summary>
public static class ClaimableAttributes
{
    private static readonly string[][] Groups = [["status", "status_until"], ["opening_hours"], ["access"], ["fee", "charge"], ["wheelchair"]];

    public static readonly IReadOnlyList<string> All = [.. Groups.SelectMany(g => g)];

    /// <summary>The attributes an operator owns when it names <paramref name="named"/>: each with its group, in name order.</summary>
    public static string[] Owned(IEnumerable<string> named)
    {
        var set = named.ToHashSet(StringComparer.Ordinal);
        return [.. Groups.Where(g => g.Any(set.Contains)).SelectMany(g => g).Order(StringComparer.Ordinal)];
    }
}

/// <summary>
/// A claim as its operator and moderators read it (nobody else: evidence and contact are the operator's). The facility
/// is null while the create proposal the claim came with is not accepted (<see cref="ProposalState"/> says where it is).
/// </summary>
public sealed record ClaimView(Guid Id, Guid? FacilityId, string? FacilityName, Guid? ProposalId, string? ProposalState, Guid AccountId,
    string AccountName, string State, IReadOnlyList<string> Attributes, string Evidence, string Contact, DateTime CreatedAt, DateTime? DecidedAt,
    string? DecisionNote);

/// <summary>The claim row as the deciding code needs it.</summary>
internal sealed record ClaimRow(Guid Id, Guid? FacilityId, Guid UserId, ClaimState State, string[] Attributes);

internal static partial class ClaimFields
{
    public const int MinEvidence = 10;
    public const int MaxEvidence = 2000;
    public const int MaxNote = 2000;

    public const string EvidenceMessage = "Say who you are and why you run this facility, in 10 to 2000 characters.";
    public const string ContactMessage = "Must be an e-mail address such as name@example.org or a phone number of 6 to 15 digits (spaces, dashes, " +
                                         "brackets and a leading + allowed).";
    public const string AttributesMessage = "Must be a list of the attributes to own, one or more of: status, status_until, opening_hours, access, " +
                                            "fee, charge, wheelchair.";
    public const string ReasonMessage = "A reason of 1 to 2000 characters is required.";
    public const string NoteMessage = "When given, a note of 1 to 2000 characters.";

    public static bool IsEvidence(JsonNode? value) => Json.Text(value)?.Trim() is { Length: >= MinEvidence and <= MaxEvidence };

    public static bool IsContact(JsonNode? value)
    {
        var text = Json.Text(value)?.Trim();
        if (text is null)
        {
            return false;
        }
        if (text.Contains('@', StringComparison.Ordinal))
        {
            return text.Length <= 254 && EmailSyntax.IsValid(text);
        }
        return Phone().IsMatch(text) && text.Count(char.IsAsciiDigit) is >= 6 and <= 15;
    }

    public static bool IsAttributes(JsonNode? value) =>
        value is JsonArray { Count: > 0 } list && list.Count <= ClaimableAttributes.All.Count
        && list.All(a => Json.Text(a) is { } name && ClaimableAttributes.All.Contains(name))
        && list.Select(a => Json.Text(a)).Distinct(StringComparer.Ordinal).Count() == list.Count;

    public static bool IsReason(JsonNode? value) => Json.Text(value)?.Trim() is { Length: > 0 and <= MaxNote };

    public static bool IsNote(JsonNode? value) => value is null || IsReason(value);

    public static string[] Attributes(JsonNode? value) => ClaimableAttributes.Owned(value!.AsArray().Select(a => a!.GetValue<string>()));

    public static IRuleBuilderOptions<T, JsonNode?> ClaimEvidence<T>(this IRuleBuilder<T, JsonNode?> rule) => rule.Must(IsEvidence).WithMessage(EvidenceMessage);

    public static IRuleBuilderOptions<T, JsonNode?> ClaimContact<T>(this IRuleBuilder<T, JsonNode?> rule) => rule.Must(IsContact).WithMessage(ContactMessage);

    public static IRuleBuilderOptions<T, JsonNode?> ClaimAttributes<T>(this IRuleBuilder<T, JsonNode?> rule) =>
        rule.Must(IsAttributes).WithMessage(AttributesMessage);

    // A phone number as people write one: digits with spaces, dashes, dots or brackets between them, + for the country code.
    [GeneratedRegex(@"^\+?[0-9()][0-9 ()\-.]*[0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex Phone();
}

internal static class ClaimRows
{
    // The facility's name and the create proposal's state come with the claim: the operator's list shows both.
    public const string ViewSql = """
        select c.id, c.facility_id, f.name, c.proposal_id, p.state, c.user_id, u.display_name, c.state, c.attributes, c.evidence, c.contact,
               c.created_at, c.decided_at, c.decision_note
        from operator_claims c join users u on u.id = c.user_id
        left join facilities f on f.id = c.facility_id
        left join proposals p on p.id = c.proposal_id
        """;

    public static ClaimView ReadView(NpgsqlDataReader r) => new(r.GetGuid(0), r.IsDBNull(1) ? null : r.GetGuid(1), r.IsDBNull(2) ? null : r.GetString(2),
        r.IsDBNull(3) ? null : r.GetGuid(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetGuid(5), r.GetString(6), r.GetString(7),
        r.GetFieldValue<string[]>(8), r.GetString(9), r.GetString(10), r.GetDateTime(11), r.IsDBNull(12) ? null : r.GetDateTime(12),
        r.IsDBNull(13) ? null : r.GetString(13));

    public static async Task<ClaimView> ViewAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ViewSql + " where c.id = $1", connection, transaction);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadView(reader) : throw new NotFoundException("claim", id.ToString());
    }

    /// <summary>The claim, locked to the end of the transaction; null when there is none.</summary>
    public static async Task<ClaimRow?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select id, facility_id, user_id, state, attributes from operator_claims where id = $1 for update", connection, transaction);
        command.Parameters.AddWithValue(id);
        await using var r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new ClaimRow(r.GetGuid(0), r.IsDBNull(1) ? null : r.GetGuid(1), r.GetGuid(2), WireName.Parse<ClaimState>(r.GetString(3))!.Value,
                r.GetFieldValue<string[]>(4))
            : null;
    }

    /// <summary>The facility's claim without locking it, to learn which facility to lock first.</summary>
    public static async Task<Guid?> FacilityOfAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select facility_id from operator_claims where id = $1", connection, transaction);
        command.Parameters.AddWithValue(id);
        return await command.ExecuteScalarAsync(ct) is Guid facility ? facility : null;
    }

    public static Guid ParseId(string id) => Guid.TryParse(id, out var parsed) ? parsed : throw new NotFoundException("claim", id);

    public static string Trimmed(JsonNode? value) => value!.GetValue<string>().Trim();
}
