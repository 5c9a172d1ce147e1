using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Moderation;
using Facilities.Api.Features.Photos;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Features.Quests;
using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;

namespace Facilities.Api.Features;

/// <summary>
/// Wiring of the contributor features: accounts (Identity over Npgsql, bearer tokens), reputation rules, rate limits,
/// proposals, confirmations and reports, photos, moderation. Program.cs calls the three methods here.
/// </summary>
public static class Contributors
{
    public static IServiceCollection AddContributors(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection(ReputationRules.Section).Get<ReputationRules>() ?? new ReputationRules());
        services.AddSingleton(configuration.GetSection(Quests.QuestRules.Section).Get<Quests.QuestRules>() ?? new Quests.QuestRules());

        services.AddIdentityCore<User>(options =>
            {
                // Length over composition rules (NIST SP 800-63B), and no password from a list of common ones
                // (CommonPasswords); four different characters at least, so that aaaaaaaa or abababab is no password.
                options.Password.RequiredLength = 8;
                options.Password.RequiredUniqueChars = 4;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.User.RequireUniqueEmail = true;
                options.User.AllowedUserNameCharacters = "";
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = configuration.GetValue("Accounts:MaxFailedLogins", 5);
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(configuration.GetValue("Accounts:LockoutMinutes", 15.0));
            })
            .AddUserStore<UserStore>()
            .AddPasswordValidator<CommonPasswords>();
        services.AddSingleton<RefreshTokens>();
        services.AddSingleton<Tokens>();
        services.AddAuthentication(BearerTokenDefaults.AuthenticationScheme).AddBearerToken(options =>
        {
            options.BearerTokenExpiration = TimeSpan.FromMinutes(configuration.GetValue("Accounts:AccessTokenMinutes", 60.0));
            options.RefreshTokenExpiration = TimeSpan.FromDays(configuration.GetValue("Accounts:RefreshTokenDays", 14.0));
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(AccountsEndpoints.ModeratorPolicy, policy => policy.RequireRole(Contributor.ModeratorRole, Contributor.AdminRole))
            .AddPolicy(AccountsEndpoints.AdminPolicy, policy => policy.RequireRole(Contributor.AdminRole));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessRefusals>();
        services.AddHostedService<FirstAdmin>();
        services.AddPeriodicJob<ProposalExpiry>();
        services.AddPeriodicJob<TemporaryClosureEnds>();
        services.AddPeriodicJob<RateLimitWindowSweep>();
        services.AddContributionRateLimits(configuration);
        services.AddScoped<ProposalDecisions>();
        services.AddScoped<SourceClosures>();
        services.AddExceptionHandler<StaleEditHandler>();
        return services;
    }

    public static IApplicationBuilder UseContributors(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<BodyLimit>() is { } limit)
            {
                if (http.Request.ContentLength > limit.Bytes)
                {
                    throw new DomainException(StatusCodes.Status413PayloadTooLarge, "Payload too large",
                        limit.Refusal ?? $"The request body may be at most {limit.Bytes} bytes.");
                }
                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                {
                    size.MaxRequestBodySize = limit.Bytes;
                }
            }
            await next(http);
        });
        app.UseContributionRateLimits();
        return app;
    }

    public static IEndpointRouteBuilder MapContributors(this IEndpointRouteBuilder app)
    {
        app.MapAccounts();
        app.MapReputationRules();
        app.MapProposals();
        app.MapModeration();
        app.MapPhotos();
        app.MapQuests();
        app.MapTeam();
        return app;
    }
}
