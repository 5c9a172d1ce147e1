using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Facilities.Api.Tests.Contributors;

public sealed class AccountsFixture : ContributorsFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["RateLimits:Enabled"] = "false",
        ["Accounts:MaxFailedLogins"] = "3",
    };
}

/// <summary>Accounts: Identity with bearer tokens in snake_case, lockout, roles, the configured first admin.</summary>
public sealed class AccountsTests(AccountsFixture fixture) : IClassFixture<AccountsFixture>
{
    [Fact]
    public async Task Register_login_and_refresh_answer_snake_case_bearer_tokens_that_open_me()
    {
        var account = await fixture.RegisterAsync();

        using var login = await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email = account.Email, password = account.Password });
        var tokens = await login.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.True(tokens.GetProperty("expires_in").GetInt64() > 0);

        using var refresh = await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = tokens.GetProperty("refresh_token").GetString() });
        var refreshed = await refresh.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);

        var me = await fixture.Client(refreshed.GetProperty("access_token").GetString()!).GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal(account.Id, me.GetProperty("id").GetGuid());
        Assert.Equal(1, me.GetProperty("reputation").GetInt32());
        Assert.False(me.GetProperty("privileges").GetProperty("votes_count").GetBoolean());
        Assert.True(me.GetProperty("rate_limits").GetProperty("proposals").GetProperty("limit").GetInt32() > 0);
    }

    [Fact]
    public async Task A_refresh_token_works_once_and_its_replay_revokes_every_token_of_the_sign_in()
    {
        var account = await fixture.RegisterAsync();
        var first = await RefreshTokenOfAsync(await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/login",
            new { email = account.Email, password = account.Password }));
        var second = await RefreshTokenOfAsync(await RefreshAsync(first));
        var third = await RefreshTokenOfAsync(await RefreshAsync(second));

        // The first token again, as a thief holding a copy would send it: refused, and the owner's newest token with it.
        var replay = await (await RefreshAsync(first)).IsProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("used before", replay.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await RefreshAsync(third)).IsProblemAsync(HttpStatusCode.Unauthorized);
        await (await RefreshAsync(second)).IsProblemAsync(HttpStatusCode.Unauthorized);

        // Another sign-in is another family, untouched.
        var again = await RefreshTokenOfAsync(await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/login",
            new { email = account.Email, password = account.Password }));
        await RefreshTokenOfAsync(await RefreshAsync(again));

        Task<HttpResponseMessage> RefreshAsync(string token) =>
            fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = token });

        static async Task<string> RefreshTokenOfAsync(HttpResponseMessage response)
        {
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, text);
                return JsonDocument.Parse(text).RootElement.GetProperty("refresh_token").GetString()!;
            }
        }
    }

    [Fact]
    public async Task Missing_or_bad_tokens_are_401_problems_and_a_missing_role_is_403()
    {
        await (await fixture.Anonymous.GetAsync("/api/v1/me")).IsProblemAsync(HttpStatusCode.Unauthorized);
        await (await fixture.Client("not-a-token").GetAsync("/api/v1/me")).IsProblemAsync(HttpStatusCode.Unauthorized);
        await (await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = "forged" })).IsProblemAsync(HttpStatusCode.Unauthorized);

        var user = await fixture.RegisterAsync();
        await (await user.Client.PutAsJsonAsync($"/api/v1/admin/users/{user.Id}/reputation", new { reputation = 5000 }))
            .IsProblemAsync(HttpStatusCode.Forbidden);
        await (await user.Client.GetAsync("/api/v1/reviews")).IsProblemAsync(HttpStatusCode.Forbidden);
        await (await user.Client.PostAsJsonAsync("/api/v1/admin/partners", new { name = "Borough" })).IsProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(1, await fixture.ReputationAsync(user.Id));
    }

    [Fact]
    public async Task Repeated_failed_logins_lock_the_account_even_against_the_right_password()
    {
        var account = await fixture.RegisterAsync();
        for (var i = 0; i < 3; i++)
        {
            await (await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email = account.Email, password = "wrong password" }))
                .IsProblemAsync(HttpStatusCode.Unauthorized);
        }
        var locked = await (await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email = account.Email, password = account.Password }))
            .IsProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("locked", locked.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_configured_first_admin_sets_reputations_and_each_change_is_audited()
    {
        var me = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Contains("admin", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        var user = await fixture.RegisterAsync();
        using var set = await fixture.Admin.Client.PutAsJsonAsync($"/api/v1/admin/users/{user.Id}/reputation", new { reputation = 250 });
        var answer = await set.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, answer.GetProperty("from").GetInt32());
        Assert.Equal(250, answer.GetProperty("to").GetInt32());
        Assert.Equal(250, await fixture.ReputationAsync(user.Id));
        Assert.Equal(1, await fixture.ScalarAsync(
            "select count(*) from reputation_events where user_id = $1 and actor_user_id = $2 and reputation_from = 1 and reputation_to = 250 " +
            "and reason = 'set_by_admin'", user.Id, fixture.Admin.Id));

        await (await fixture.Admin.Client.PutAsJsonAsync($"/api/v1/admin/users/{user.Id}/reputation", new { reputation = 0 }))
            .IsProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Registration_refuses_a_short_password_a_bad_address_and_a_taken_one()
    {
        var bad = await (await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email = "x@facilities.test", password = "short" }))
            .IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("password", out _));
        await (await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email = "not an address", password = "long enough password" }))
            .IsProblemAsync(HttpStatusCode.BadRequest);
        var taken = await fixture.RegisterAsync();
        await (await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email = taken.Email, password = "long enough password" }))
            .IsProblemAsync(HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("/api/v1/auth/register")]
    [InlineData("/api/v1/auth/login")]
    public async Task A_10_MB_credential_is_a_413_before_it_is_read(string path)
    {
        var email = $"big-{Guid.NewGuid():N}@facilities.test";
        await (await fixture.Anonymous.PostAsJsonAsync(path, new { email, password = new string('x', 10 * 1024 * 1024) }))
            .IsProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from users where email = $1", email));
    }

    [Theory]
    [InlineData("password")]
    [InlineData("12345678")]
    [InlineData("aaaaaaaa")]
    [InlineData("Password")]
    [InlineData("qwertyui")]
    [InlineData("abababab")]
    [InlineData("PASSWORD1")]
    public async Task Registration_refuses_common_and_repetitive_passwords(string password)
    {
        var bad = await (await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/register",
            new { email = $"p-{Guid.NewGuid():N}@facilities.test", password })).IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("password", out _), bad.ToString());
    }

    [Theory]
    [InlineData("ann smith@facilities.test")]
    [InlineData("<script>alert(1)</script>@facilities.test")]
    [InlineData("ann@facilities.test<script>")]
    [InlineData("ann\u202Etset.seitilicaf@moc.test")]
    [InlineData("ann@facilities.test\"")]
    [InlineData("ann@facilities.test' OR '1'='1")]
    [InlineData("\"ann\"@facilities.test")]
    [InlineData("ann@localhost")]
    [InlineData("ann@@facilities.test")]
    [InlineData("ann@-facilities.test")]
    public async Task Registration_refuses_addresses_that_are_not_plain_e_mail_syntax(string email)
    {
        email = System.Text.RegularExpressions.Regex.Unescape(email);
        var bad = await (await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email, password = "a long enough password" }))
            .IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("email", out _), bad.ToString());
    }

    [Theory]
    [InlineData("o'brien+maps@facilities.test")]
    [InlineData("First.Last@sub.facilities-test.org")]
    public async Task Registration_takes_ordinary_addresses(string email)
    {
        using var response = await fixture.Anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email, password = "a long enough password" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
