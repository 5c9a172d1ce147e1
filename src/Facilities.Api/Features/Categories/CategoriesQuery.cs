using System.Text.Json;
using Mediator;

namespace Facilities.Api.Features.Categories;

/// <summary>GET /api/v1/categories: every category with its attribute schema and labels, plus the core attributes.</summary>
public sealed record CategoriesQuery : IRequest<CategoriesResponse>;

public sealed record CategoryResponse(
    string Id,
    IReadOnlyDictionary<string, string> Labels,
    JsonElement Attributes);

public sealed record CategoriesResponse(
    IReadOnlyList<CategoryResponse> Categories,
    IReadOnlyDictionary<string, CoreAttributes.Definition> CoreAttributes,
    IReadOnlyList<string> Languages);

public sealed class CategoriesHandler(CategoryCatalog catalog) : IRequestHandler<CategoriesQuery, CategoriesResponse>
{
    public ValueTask<CategoriesResponse> Handle(CategoriesQuery request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new CategoriesResponse(
            catalog.All.Select(c => new CategoryResponse(c.Id, c.Labels, c.AttributeSchema)).ToList(),
            Categories.CoreAttributes.Definitions,
            ["en", "zh-Hans"]));
}

public static class CategoriesEndpoint
{
    public static IEndpointRouteBuilder MapCategories(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/categories", async (IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new CategoriesQuery(), ct)))
            .WithName("ListCategories")
            .WithTags("Residents")
            .WithSummary("Categories with their attribute schema and labels (en, zh-Hans).");
        return app;
    }
}
