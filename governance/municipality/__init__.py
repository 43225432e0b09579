"""The municipality itself (団体名, 代表者, 住所, 問い合わせ先), set once by the administrator."""
