using System.Text.Json;
using FluentValidation.Results;
using Microsoft.AspNetCore.Mvc;

namespace Facilities.Api.Web;

/// <summary>
/// Every 4xx the service answers is RFC 9457 problem+json with a <c>detail</c>, including the ones no handler writes:
/// unmatched routes and methods (status-code pages), bodies the endpoint cannot bind, and wrong content types.
/// </summary>
public static class ProblemResponses
{
    public static IServiceCollection AddProblemResponses(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Detail ??= DefaultDetail(context.HttpContext, context.ProblemDetails.Status);
            // Last, so that the default detail is translated too (Web/ProblemLanguage.cs).
            ProblemLanguage.Localise(context.HttpContext, context.ProblemDetails);
        });
        AlwaysProblemJson.Replace(services);
        // Without this, a body that does not bind (wrong JSON type, truncated, the wrong content type) is an empty 400
        // or 415 that only the log explains; thrown, ProblemExceptionHandler says what is wrong with it.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>
    /// ASP.NET Core's problem writer only writes when Accept lists JSON (or nothing, or */*); a refusal to a client that
    /// asked for text/html or image/png was then an empty 4xx, and an exception the handler could not write became a
    /// 500. A refusal is problem+json whatever was asked for (RFC 9110 §12.1 lets a server answer an error in a type the
    /// client did not list), so this wraps that writer and lets it write every time.
    /// </summary>
    private sealed class AlwaysProblemJson(IProblemDetailsWriter inner) : IProblemDetailsWriter
    {
        public static void Replace(IServiceCollection services)
        {
            var framework = services.Single(d => d.ServiceType == typeof(IProblemDetailsWriter));
            var type = framework.ImplementationType
                ?? throw new InvalidOperationException("AddProblemDetails registered its writer without a type.");
            services.Remove(framework);
            services.AddSingleton<IProblemDetailsWriter>(provider =>
                new AlwaysProblemJson((IProblemDetailsWriter)ActivatorUtilities.CreateInstance(provider, type)));
        }

        public bool CanWrite(ProblemDetailsContext context) => true;

        public ValueTask WriteAsync(ProblemDetailsContext context) => inner.WriteAsync(context);
    }

    /// <summary>The detail of a status that framework code set without saying why.</summary>
    private static string? DefaultDetail(HttpContext http, int? status) => status switch
    {
        StatusCodes.Status401Unauthorized => "This endpoint needs a bearer token (Authorization: Bearer <access_token>).",
        StatusCodes.Status403Forbidden => "This account may not use this endpoint.",
        StatusCodes.Status404NotFound => $"Nothing answers at {http.Request.Path}; the API's routes are listed at /docs.",
        StatusCodes.Status405MethodNotAllowed => $"{http.Request.Path} does not answer {http.Request.Method}.",
        StatusCodes.Status406NotAcceptable => "None of the media types in Accept can be answered.",
        StatusCodes.Status413PayloadTooLarge => "The request body is larger than this endpoint accepts.",
        StatusCodes.Status415UnsupportedMediaType => http.Request.ContentType is { Length: > 0 } type
            ? $"The request body must be application/json, not {type}."
            : "The request body must be application/json, and the request says no Content-Type.",
        _ => null,
    };

    /// <summary>
    /// A request the framework refused while reading it. A JSON body that does not bind names where it went wrong;
    /// the serializer's own message is not shown when it names .NET types.
    /// </summary>
    public static ProblemDetails ForBadRequest(BadHttpRequestException bad)
    {
        if (bad.InnerException is not JsonException json)
        {
            return new ProblemDetails { Status = bad.StatusCode, Title = "Bad request", Detail = bad.Message };
        }
        if (json.InnerException is JsonException reader)
        {
            // The reader's messages say what is malformed and where, in JSON terms (truncation, nesting too deep, a stray character).
            return ToValidationProblem("The request body is not well-formed JSON", [new ValidationFailure(Body, reader.Message)]);
        }
        var field = FieldOf(json.Path);
        return ToValidationProblem("The request body has the wrong shape",
            [new ValidationFailure(field, field == Body ? "Must be a JSON object." : "Has the wrong JSON type for this field.")]);
    }

    /// <summary>The name of the body field the refusal is about, for <c>errors</c>: <c>$.changes.name</c> is <c>changes.name</c>.</summary>
    private static string FieldOf(string? jsonPath) =>
        jsonPath is null || jsonPath == "$" ? Body : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');

    /// <summary>The key in <c>errors</c> of a fault of the body as a whole.</summary>
    public const string Body = "body";

    public static HttpValidationProblemDetails ToValidationProblem(string title, IEnumerable<ValidationFailure> failures)
    {
        var errors = failures
            .GroupBy(e => e.PropertyName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray(), StringComparer.Ordinal);
        return new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = title,
            Detail = DetailOf(errors),
        };
    }

    /// <summary>A validation problem's detail: each field with its messages.</summary>
    public static string DetailOf(IDictionary<string, string[]> errors) =>
        string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
}
