//! `/help/dingtalk` and `/help/feishu`: how to set a platform's console up for a bridge, with
//! its callback URL filled in (`?bridge=ID`). The page needs no login: it shows nothing but
//! this deployment's origin and the id given, which a callback URL holds anyway.

use protocol::bridge::Platform;
use worker::Response;

use crate::http::error::ApiResult;

const DINGTALK: &str = r#"<h1>Connect a DingTalk robot to baton</h1>
<ol>
<li>In the <a href="https://open-dev.dingtalk.com/">DingTalk developer console</a>, create an internal app
(App development → Internal apps → Create app).</li>
<li>Under <b>Credentials &amp; basic info</b>, copy the <b>AppKey</b> and the <b>AppSecret</b>, and connect them
(the secret is read from a variable, never typed on the command line):
<pre>DINGTALK_SECRET=... baton bridge add dingtalk --worker W-N --app-key &lt;AppKey&gt; --app-secret-env DINGTALK_SECRET</pre></li>
<li>Add the <b>Robot</b> capability. Set the message receiving mode to <b>HTTP</b> and paste the message receiving
address:<pre>{callback}</pre></li>
<li>Under <b>Permissions</b>, grant the robot's message sending permission (and file download, for pictures).</li>
<li>Publish a version of the app, then add the robot to a group (people <code>@</code> it) or chat with it directly.</li>
</ol>
<p>Each chat (and, in a group, each person) talks to one session of the worker's agent; send <code>/new</code> to start
another. A message that arrives while the worker is offline waits, and the chat is told so.</p>"#;

const FEISHU: &str = r#"<h1>Connect a Feishu (Lark) app to baton</h1>
<ol>
<li>In the <a href="https://open.feishu.cn/app">Feishu developer console</a>, create a custom app and add the
<b>Bot</b> capability.</li>
<li>Under <b>Credentials &amp; Basic Info</b>, copy the <b>App ID</b> and the <b>App Secret</b>. Under
<b>Events &amp; Callbacks → Encryption strategy</b>, copy the <b>Verification Token</b> and set an <b>Encrypt Key</b>.
Connect them (read from variables, never typed on the command line):
<pre>FEISHU_SECRET=... FEISHU_TOKEN=... FEISHU_KEY=... baton bridge add feishu --worker W-N --app-key &lt;App ID&gt; \
  --app-secret-env FEISHU_SECRET --verification-token-env FEISHU_TOKEN --encrypt-key-env FEISHU_KEY</pre></li>
<li>Under <b>Event configuration</b>, choose <b>Send events to developer server</b> and paste the request URL (Feishu
checks it at once; baton answers):<pre>{callback}</pre></li>
<li>Add the event <code>im.message.receive_v1</code>, and the permissions <code>im:message</code>,
<code>im:message:send_as_bot</code> and <code>im:resource</code>.</li>
<li>Publish a version of the app; then message the bot, or <code>@</code> it in a group.</li>
</ol>
<p>Each chat (each person in a group, each thread) talks to one session of the worker's agent; send <code>/new</code> to
start another.</p>"#;

/// The page for `platform`, with the callback URL of bridge `bridge` on `origin`.
pub fn page(platform: Platform, origin: &str, bridge: Option<i64>) -> ApiResult<Response> {
    let callback = match bridge {
        Some(id) => format!("{origin}/api/bridges/{}/{id}", platform.as_str()),
        None => format!("{origin}/api/bridges/{}/&lt;bridge id&gt; (baton bridge ls shows it)", platform.as_str()),
    };
    let body = match platform {
        Platform::Dingtalk => DINGTALK,
        Platform::Feishu => FEISHU,
    }
    .replace("{callback}", &callback);
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><title>baton: {} setup</title><style>body{{font:16px/1.5 system-ui;\
         max-width:46rem;margin:2rem auto;padding:0 1rem}}pre{{background:#f4f4f4;padding:.6rem;overflow-x:auto}}\
         </style></head><body>{body}</body></html>",
        platform.as_str()
    );
    let mut response = Response::from_html(html)?;
    let headers = response.headers_mut();
    headers.set("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")?;
    headers.set("x-content-type-options", "nosniff")?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_url_is_filled_in() {
        for (platform, text) in [(Platform::Dingtalk, DINGTALK), (Platform::Feishu, FEISHU)] {
            assert_eq!(text.matches("{callback}").count(), 1, "{platform:?}");
        }
    }
}
