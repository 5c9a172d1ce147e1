using System.Text.Json;
using Facilities.Api.Data;
using Facilities.Api.Features;
using Facilities.Api.Features.ApiDefinition;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Claims;
using Facilities.Api.Features.Confidence;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Features.Health;
using Facilities.Api.Features.Imports;
using Facilities.Api.Features.MapConfig;
using Facilities.Api.Features.Nearby;
using Facilities.Api.Features.Open311;
using Facilities.Api.Features.OpenData;
using Facilities.Api.Features.Partners;
using Facilities.Api.Features.Search;
using Facilities.Api.Web;
using FluentValidation;
using Microsoft.AspNetCore.ResponseCompression;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddFacilitiesDatabase(builder.Configuration);
builder.Services.AddSingleton(TimeProvider.System);
// Paging cursors are signed with a key kept under the data-protection keys, which also protect bearer tokens (Web/Cursor.cs);
// the keys live in PostgreSQL, so every replica reads what another issued (Web/DataProtectionKeys.cs).
builder.Services.AddSharedDataProtection(builder.Configuration);
builder.Services.AddSingleton<Cursors>();
builder.Services.AddSingleton<CategoryCatalog>();
// The exports' dumps (Features/OpenData/ExportDumps.cs).
builder.Services.AddSingleton<ExportDumps>();
builder.Services.AddSingleton<SeedLoader>();
// Nearby searches of concurrent requests share round trips to PostgreSQL (Features/Nearby/NearbyCandidates.cs).
builder.Services.AddSingleton(services => new NearbyCandidates(
    services.GetRequiredService<GenericPlanDataSource>(),
    builder.Configuration.GetValue(NearbyCandidates.FetchersSetting, NearbyCandidates.DefaultFetchers)));
// Residents' nearby searches on the standby when one is configured (Data/ReadSource.cs); the same batcher otherwise.
builder.Services.AddKeyedSingleton(DatabaseRegistration.StandbyReaders, (services, _) =>
    string.IsNullOrEmpty(builder.Configuration.GetConnectionString(DatabaseRegistration.StandbyConnectionName))
        ? services.GetRequiredService<NearbyCandidates>()
        : new NearbyCandidates(services.GetRequiredKeyedService<GenericPlanDataSource>(DatabaseRegistration.StandbyReaders),
            builder.Configuration.GetValue(NearbyCandidates.FetchersSetting, NearbyCandidates.DefaultFetchers)));

builder.Services.AddMediator(options =>
{
    options.ServiceLifetime = ServiceLifetime.Scoped;
    // Every request is validated, a command sent inside another too; a command's transaction is opened by TransactionBehavior,
    // and a contribution spends its budget in it (Web/ContributionRateLimits.cs), so a refused or rolled-back one spends none.
    options.PipelineBehaviors = [typeof(ValidationBehavior<,>), typeof(TransactionBehavior<,>), typeof(ContributionBudgetBehavior<,>)];
});
builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton);
// Errors name parameters the way clients write them: radius_m, not RadiusM.
ValidatorOptions.Global.PropertyNameResolver = (_, member, _) => member is null ? null : JsonNamingPolicy.SnakeCaseLower.ConvertName(member.Name);
ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => member is null ? null : JsonNamingPolicy.SnakeCaseLower.ConvertName(member.Name);

// Every 4xx is problem+json with a detail, including the framework's own (Web/ProblemResponses.cs).
builder.Services.AddProblemResponses();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.ConfigureHttpJsonOptions(options =>
{
    options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
});
// OpenAPI 3.0: the whole API and the OGC API on its own (Features/ApiDefinition).
builder.Services.AddApiDefinitions();
builder.Services.AddFacilitiesHealthChecks();
// Metrics for Prometheus, request logs with trace ids, a stop that drains (Web/Operations.cs).
builder.Services.AddOperations(builder.Configuration);
builder.Services.AddResponseCompression(options =>
{
    options.EnableForHttps = true;
    // The map page's answers are GeoJSON; compressed, a bbox page of 655 facilities is 46 KB instead of 449 KB.
    options.MimeTypes = ResponseCompressionDefaults.MimeTypes.Append("application/geo+json");
});
// Brotli's fastest level makes GeoJSON larger than gzip's fastest; its default level is still cheap.
builder.Services.Configure<BrotliCompressionProviderOptions>(options => options.Level = System.IO.Compression.CompressionLevel.Optimal);
// Contributors: accounts, proposals, reputation, rate limits, moderation (Features/Contributors.cs).
builder.Services.AddContributors(builder.Configuration);
// Confidence: its parameters and the hourly ageing pass (Features/Confidence).
builder.Services.AddConfidence();
// Government partners: X-Api-Key, datasets, background imports on their own connections, feedback.
builder.Services.AddImports(builder.Configuration);
// Browsers on other origins: every read from anywhere, writes from Cors:WriteOrigins only (Web/CrossOriginPolicy.cs).
builder.Services.AddCrossOriginPolicy(builder.Configuration);
// Search: facility names, the offline gazetteer, an optional geocoder (Features/Search).
builder.Services.AddSearch();

var app = builder.Build();

await app.Services.PrepareDatabaseAsync();
await app.Services.GetRequiredService<CategoryCatalog>().ReloadAsync();
// Built now rather than at the first nearby request, so that a bad Nearby:Fetchers stops the start, not every request.
app.Services.GetRequiredService<NearbyCandidates>();
// The cursor key is read (or made) once, after the migrations, so that a database fault shows at start.
app.Services.GetRequiredService<Cursors>();

app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(app.Services.GetRequiredService<ShutdownDrain>().Begin);

// The dump folder is made at start-up, not by the first download.
app.Services.GetRequiredService<ExportDumps>();
app.UseForwardedClientAddress(app.Configuration);
app.UseRequestLogs();
// Before the exception handler, which writes refusals in the language this chooses (Web/ProblemLanguage.cs).
app.UseRequestLanguage();
app.UseExceptionHandler();
app.UseStatusCodePages();
// After a PostgreSQL restart: clear the dead pooled connections and run a read once more (Web/DatabaseReconnect.cs).
app.UseDatabaseReconnect();
app.UseCors();
// Whole-layer exports stream hundreds of megabytes: compressing them would cost more server time than it saves.
app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api/v1/export"), branch => branch.UseResponseCompression());
app.UseDefaultFiles();
app.UseStaticFiles(MapPageStaticFiles.Options);

app.MapApiDefinitions();

app.MapHealth();
app.MapMetrics();
app.MapNearby();
app.MapSearch();
app.MapFacilities();
app.MapCategories();
app.MapOpeningHoursWeek();
app.MapOpenData();
app.UseContributors();
// After the body limits (UseContributors): U+0000 and unpaired surrogates in any request string are a 400 (Web/StorableText.cs).
app.UseStorableText();
app.MapContributors();
app.MapClaims();
app.MapMapConfig();
app.MapDatasets();
app.MapPartners();
app.MapOpen311();
app.MapOpen311Apps();
app.MapPartnerAdministration();
app.MapImports();

await app.RunAsync();

/// <summary>The entry point, public so the API tests can host it in-process.</summary>
public partial class Program;
