"""Sign-in failures in the user's terms: each AADSTS code Entra ID (or the local cloud) can
answer a sign-in of the agent with, as one sentence of cause and what to do, in English and
Japanese. The code stays in the sentence for searching; Entra's own text follows on a line of
its own, quoted, never glued into our sentence. The table is docs/sign-in-errors.md."""

from __future__ import annotations

from cmagent.errors import Localized

# AADSTS code: (English, Japanese); {tenant} and {client} are filled in.
CAUSES: dict[int, tuple[str, str]] = {
    90002: ("The tenant '{tenant}' was not found in this cloud. Check --tenant-id, and that "
            "--cloud is the cloud the tenant belongs to.",
            "テナント '{tenant}' がこのクラウドに見つかりません。--tenant-id と、--cloud が"
            "テナントの属するクラウドであることを確認してください。"),
    700016: ("No application '{client}' exists in tenant '{tenant}'. Check "
             "--service-principal-id and --tenant-id.",
             "テナント '{tenant}' にアプリケーション '{client}' がありません。"
             "--service-principal-id と --tenant-id を確認してください。"),
    7000215: ("The service principal secret is wrong. Give the secret's value (not its id) "
              "with --service-principal-secret.",
              "サービス プリンシパル シークレットが正しくありません。シークレットの ID ではなく値を"
              "指定してください (--service-principal-secret)。"),
    7000222: ("The service principal secret has expired. Create a new secret for the "
              "application and use it.",
              "サービス プリンシパル シークレットの有効期限が切れています。アプリケーションに新しい"
              "シークレットを作成して使用してください。"),
    700027: ("The certificate is not registered for this application, or its key does not "
             "match. Upload the certificate's public part to the application, or give the "
             "matching key and certificate with --service-principal-cert.",
             "証明書がこのアプリケーションに登録されていないか、キーが一致しません。証明書の公開"
             "部分をアプリケーションにアップロードするか、対応するキーと証明書を "
             "--service-principal-cert で指定してください。"),
    50027: ("The certificate's sign-in assertion was malformed. Check that "
            "--service-principal-cert holds both the private key and the certificate.",
            "証明書によるサインインのアサーションが不正です。--service-principal-cert に秘密キーと"
            "証明書の両方が含まれていることを確認してください。"),
    700024: ("The certificate's sign-in assertion is outside its valid time: this machine's "
             "clock is probably wrong. Synchronize the clock and try again.",
             "証明書によるサインインのアサーションが有効期間外です。このマシンの時計が"
             "ずれている可能性があります。時計を同期してから、もう一度実行してください。"),
    50013: ("The same sign-in assertion was used twice. Try again (each sign-in makes a new "
            "one).", "同じサインイン アサーションが 2 回使用されました。もう一度実行してください "
            "(サインインのたびに新しいアサーションが作られます)。"),
    90055: ("Too many failed sign-ins for this application: Microsoft Entra ID refuses it for "
            "a while. "
            "Wait, fix the credentials, then try again.",
            "このアプリケーションのサインイン失敗が多すぎるため、Microsoft Entra ID が一時的に"
            "サインインを拒否しています。"
            "時間をおき、資格情報を修正してから、もう一度実行してください。"),
    70016: ("Nobody completed the device sign-in in time. Run the command again and sign in "
            "with the code within 5 minutes.",
            "制限時間内にデバイス サインインが完了しませんでした。もう一度コマンドを実行し、"
            "5 分以内にコードでサインインしてください。"),
    70020: ("The device sign-in code expired before anyone used it. Run the command again "
            "and sign in with the new code.",
            "デバイス サインインのコードが使用される前に期限切れになりました。もう一度コマンドを"
            "実行し、新しいコードでサインインしてください。"),
    65004: ("The person signing in declined. Run the command again and accept the sign-in.",
            "サインインしようとしたユーザーが同意を拒否しました。もう一度コマンドを実行し、"
            "要求に同意してください。"),
    50053: ("The account is locked after too many wrong passwords. Wait until the lock ends, "
            "or ask the tenant's administrator to unlock it.",
            "パスワードの誤りが多すぎたため、アカウントがロックされています。ロックが解除される"
            "まで待つか、テナントの管理者にロックの解除を依頼してください。"),
    50126: ("The user name or password is wrong.",
            "ユーザー名またはパスワードが正しくありません。"),
    50034: ("The user does not exist in tenant '{tenant}'. Check the account, or add it to the "
            "tenant.", "ユーザーがテナント '{tenant}' に存在しません。アカウントを確認するか、"
            "テナントに追加してください。"),
}
UNKNOWN = ("Microsoft Entra ID refused the sign-in. Check the credentials, --tenant-id and "
           "--cloud.", "Microsoft Entra ID がサインインを拒否しました。資格情報、--tenant-id、"
           "--cloud を確認してください。")


def cause(code: int | None, tenant: str, client: str) -> Localized:
    """Our sentence, with the AADSTS code (Entra's own text is quoted apart by the caller)."""
    english, japanese = CAUSES.get(code or 0, UNKNOWN)
    tag = f" (AADSTS{code})" if code else ""
    values = {"tenant": tenant or "?", "client": client or "?"}
    return Localized(f"{english.format(**values)}{tag}",
                     f"{japanese.format(**values)}{tag.lstrip()}")


def table_markdown() -> str:
    """docs/sign-in-errors.md (``python -m cmagent.agent.signin > docs/sign-in-errors.md``)."""
    lines = ["# Sign-in failures and what connect says", "",
             "Every sign-in failure ends as AZCM0041 with one sentence of cause in the user's "
             "terms, the AADSTS code kept for searching, and Entra ID's own text quoted on the "
             "next line (`Details:` / `詳細:`). Generated from `src/cmagent/agent/signin.py`.",
             "", "| AADSTS | English | 日本語 |", "|---|---|---|"]
    for code, (english, japanese) in CAUSES.items():
        lines.append(f"| {code} | {english} | {japanese} |")
    lines.append(f"| other | {UNKNOWN[0]} | {UNKNOWN[1]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table_markdown(), end="")
