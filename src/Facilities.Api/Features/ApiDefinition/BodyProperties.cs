using System.Text.Json.Nodes;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Moderation;
using Facilities.Api.Features.Partners;
using Facilities.Api.Features.Photos;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using Microsoft.OpenApi;

namespace Facilities.Api.Features.ApiDefinition;

/// <summary>
/// The types of request body members that the endpoints read as raw JSON (<c>JsonNode</c>), so that a wrong type is
/// a 400 naming the member rather than a deserialisation failure. The generated schema of such a member says
/// nothing; this table says what the validators accept. Keyed by the body's schema name and the member's JSON name.
/// </summary>
public static class BodyProperties
{
    private const int CommentLength = 2000;

    public static IOpenApiSchema? Find(string body, string property) =>
        Table.TryGetValue((body, property), out var schema) ? schema() : null;

    private static readonly Dictionary<(string Body, string Property), Func<IOpenApiSchema>> Table = new()
    {
        [("ProposalBody", "kind")] = () => OneOf("What the proposal does.", [.. WireName.All<ProposalKind>()]),
        [("ProposalBody", "facility_id")] = () => Id("The facility changed; absent for a create."),
        [("ProposalBody", "base_version")] = () => Version("The facility's version the proposal was written against; a stale one is a 409."),
        [("ProposalBody", "location")] = () => Position("Where the facility is: for a create and a move only."),
        [("ProposalBody", "changes")] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Attributes and their new values (a create names at least the category); see /api/v1/categories.",
            AdditionalPropertiesAllowed = true,
        },
        [("ProposalBody", "status_until")] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Format = "date-time",
            Description = "For a close: when the facility reopens; absent for a permanent closure.",
        },
        [("ProposalBody", "comment")] = () => Text("Why, for the reviewers.", 0, CommentLength),
        [("VoteBody", "vote")] = () => OneOf("For or against the proposal.", WireName.All<VoteDirection>()),
        [("VoteBody", "comment")] = () => Text("Why, for the author and the reviewers.", 0, CommentLength),
        [("ReportBody", "reason")] = () => OneOf("What is wrong with the facility.", [.. WireName.All<ReportReason>()]),
        [("ReportBody", "comment")] = () => Text("What was seen.", 1, CommentLength),
        [("ConfirmationBody", "comment")] = () => Text("What was seen.", 1, CommentLength),
        [("PhotoReportBody", "reason")] = () => OneOf("What is wrong with the photo.", [.. WireName.All<PhotoReportReason>()]),
        [("PhotoReportBody", "comment")] = () => Text("What is wrong, for the moderators.", 1, CommentLength),
        [("PhotoNoteBody", "note")] = () => Text("Why, kept with the decision.", 1, CommentLength),
        [("RevertBody", "to_version")] = () => Version("The version whose state becomes the facility's again."),
        [("RevertBody", "reason")] = () => Text("Why, recorded in the facility's history.", 1, CommentLength),
        [("BlockBody", "reason")] = () => Text("Why, shown to the contributor.", 1, CommentLength),
        [("ResolveBody", "action")] = () => OneOf("How the review is resolved: keep_partner or keep_community for a dispute; merge, create or dismiss for an ambiguous match.",
            [.. WireName.All<ReviewAction>()]),
        [("ResolveBody", "facility_id")] = () => Id("For merge: the facility the record is merged into."),
        [("ResolveBody", "comment")] = () => Text("Why, recorded with the resolution.", 1, CommentLength),
        [("ResolvePartnerReviewBody", "decision")] = () => OneOf(
            "same_as: the record describes facility_id, one of the item's candidates; different_facility: it is a facility of its own.",
            [.. WireName.All<PartnerReviewDecision>()]),
        [("ResolvePartnerReviewBody", "facility_id")] = () => Id("For same_as: the candidate the record describes."),
        [("ReportResponseBody", "status")] = () => OneOf("The partner's answer; fixed and not_a_problem close the Open311 request.",
            [.. WireName.All<Open311.ReportResponse>()]),
        [("ReportResponseBody", "notes")] = () => Text("What was done or found, shown as Open311's status_notes.", 1, CommentLength),
        [("PartnerBody", "name")] = () => Text("The partner's name, as shown with its datasets.", 1, 200),
        [("Open311AppBody", "name")] = () => Text("The app's name: its reports are shown under it.", 1, 200),
        [("RolesBody", "roles")] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Description = "Every role the user has from now on (an empty list removes them all).",
            UniqueItems = true,
            Items = OneOf("A role.", [Contributor.ModeratorRole, Contributor.AdminRole]),
        },
        [("ClaimBody", "evidence")] = ClaimEvidence,
        [("ClaimBody", "contact")] = ClaimContact,
        [("ClaimBody", "attributes")] = ClaimAttributes,
        [("ClaimNoteBody", "note")] = () => Text("Kept with the approval, for the operator.", 1, CommentLength),
        [("ClaimReasonBody", "reason")] = () => Text("Why, for the operator and the moderators.", 1, CommentLength),
        [("SharedFacilityBody", "location")] = () => Position("Where the facility is."),
        [("SharedFacilityBody", "changes")] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "The facility's attributes, at least the category (access is public unless given); see /api/v1/categories.",
            AdditionalPropertiesAllowed = true,
        },
        [("SharedFacilityBody", "comment")] = () => Text("About the facility, for the reviewers.", 1, CommentLength),
        [("SharedFacilityBody", "evidence")] = ClaimEvidence,
        [("SharedFacilityBody", "contact")] = ClaimContact,
        [("SharedFacilityBody", "attributes")] = ClaimAttributes,
        [("CreateDatasetBody", "mapping")] = () => Mapping(),
        [("UpdateDatasetBody", "mapping")] = () => Mapping(),
    };

    /// <summary>
    /// The form of POST /open311/v2/requests.json|.xml, by GeoReport v2's field names: the endpoint reads the form
    /// itself, so the document learns its fields from here.
    /// </summary>
    public static OpenApiSchema Open311ServiceRequestForm() => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "api_key", "service_code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["api_key"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The app's key, issued by an admin (POST /api/v1/admin/open311-apps)." },
            ["service_code"] = OneOf("The report reason; see services.json.", [.. WireName.All<ReportReason>()]),
            [Open311.FileServiceRequestCommand.FacilityAttribute] = Id("The facility reported on (address_id of requests.json); else lat and long."),
            ["address_id"] = Id("The same as attribute[facility_id], by the spec's name."),
            ["lat"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Number,
                Format = "double",
                Minimum = "-90",
                Maximum = "90",
                Description = $"With long, when no facility is named: the nearest facility within {Open311.FileServiceRequestCommand.NearestWithinMetres} m, WGS 84 degrees.",
            },
            ["long"] = new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double", Minimum = "-180", Maximum = "180", Description = "With lat, WGS 84 degrees." },
            ["description"] = Text("What the resident saw.", 1, CommentLength),
            ["email"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "email", MaxLength = 254, Description = "The resident's, for the partner only; never shown publicly." },
            ["first_name"] = Text("The resident's, for the partner only.", 0, Open311.FileServiceRequestValidator.NameLength),
            ["last_name"] = Text("The resident's, for the partner only.", 0, Open311.FileServiceRequestValidator.NameLength),
        },
    };

    private static OpenApiSchema ClaimEvidence() => Text("Who you are and why you run this facility, for the moderator who checks it.", 10, 2000);

    private static OpenApiSchema ClaimContact() => new()
    {
        Type = JsonSchemaType.String,
        MaxLength = 254,
        Description = "How a moderator reaches you: an e-mail address or a phone number (6 to 15 digits). Never shown publicly.",
    };

    private static OpenApiSchema ClaimAttributes() => new()
    {
        Type = JsonSchemaType.Array,
        Description = "The attributes to own (status comes with status_until, fee with charge).",
        MinItems = 1,
        UniqueItems = true,
        Items = OneOf("An attribute.", Claims.ClaimableAttributes.All),
    };

    private static OpenApiSchema Text(string description, int minLength, int maxLength) =>
        new() { Type = JsonSchemaType.String, Description = description, MinLength = minLength, MaxLength = maxLength };

    private static OpenApiSchema OneOf(string description, IReadOnlyList<string> values) =>
        new() { Type = JsonSchemaType.String, Description = description, Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))] };

    private static OpenApiSchema Id(string description) =>
        new() { Type = JsonSchemaType.String, Format = "uuid", Description = description };

    private static OpenApiSchema Version(string description) =>
        new() { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Description = description };

    private static OpenApiSchema Position(string description) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description + " WGS 84 degrees.",
        Required = new HashSet<string> { "lat", "lon" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["lat"] = new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double", Minimum = "-90", Maximum = "90" },
            ["lon"] = new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double", Minimum = "-180", Maximum = "180" },
        },
    };

    /// <summary>Mapping v2 as <c>DatasetMapping.Parse</c> reads it (docs/partners.md#mapping): <c>fields</c> from each attribute
    /// (and <c>id</c>, <c>x</c>/<c>y</c> or <c>lon</c>/<c>lat</c>) to a column name or a field definition, and <c>extends</c>.</summary>
    private static OpenApiSchema Mapping() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Where each value comes from in the partner's file. Unknown keys, at any level, are a 400 naming their path. " +
                      "The first datasets' flat form (fields without the wrapper) is still read. Presets: GET /api/v1/partner/presets.",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["extends"] = OneOf("A preset whose fields this mapping starts from; the fields given here replace the preset's (null drops one).",
                [.. Imports.Mapping.MappingPresets.All.Select(p => p.Id)]),
            ["fields"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "id (the partner's record id), x/y or lon/lat (coordinates in the dataset's CRS; none for files with their " +
                              "own geometry), and any attribute of the dataset's category: each a column name or a field definition.",
                AdditionalProperties = new OpenApiSchema
                {
                    OneOf =
                    [
                        new OpenApiSchema { Type = JsonSchemaType.String, Description = "The column (CSV, Shapefile), property (GeoJSON, KML data) or OSM tag." },
                        FieldDefinition(),
                    ],
                },
            },
        },
    };

    private static OpenApiSchema FieldDefinition() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Worked out in this order: column or columns or template, flags, transform, pattern, values, value.",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["column"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The column, property or OSM tag holding the value." },
            ["tag"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The same as column, by OpenStreetMap's word." },
            ["columns"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                MinItems = 1,
                Description = "Several columns: the first non-empty one gives the value (a fallback).",
                Items = new OpenApiSchema { Type = JsonSchemaType.String },
            },
            ["template"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "Text filled from columns, \"{Building Name}, {Street}\"; the text between two columns is kept only when both have a value; {{ and }} are braces.",
            },
            ["flags"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "For a list attribute (gender): item → the column that says yes to it ({\"male\": \"Male\"}); a boolean spelling or a count above 0 is yes.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.String },
            },
            ["transform"] = new OpenApiSchema
            {
                Description = $"One cleanup or a list, applied in order: {string.Join(", ", Imports.Mapping.FieldTransform.Names)}.",
                OneOf =
                [
                    new OpenApiSchema { Type = JsonSchemaType.String },
                    new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                ],
            },
            ["pattern"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "regex",
                Description = "A .NET regular expression: the value is its first named group, else its first group, else the whole match; no match is no value (100 ms timeout).",
            },
            ["values"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "The file's value → the attribute's: \"=Text\" exactly, \"/regex/\" by a pattern, any other key trimmed and case-insensitively; " +
                              "\"*\" any other non-empty value, \"\" an empty one; null maps to no value. Each target must fit the attribute.",
                AdditionalPropertiesAllowed = true,
            },
            ["value"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String | JsonSchemaType.Number | JsonSchemaType.Boolean,
                Description = "A constant: the value when the row gives none (alone: every row's value); a list attribute's a list.",
            },
        },
    };
}
