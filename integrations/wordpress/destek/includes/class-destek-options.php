<?php
/**
 * The plugin's three options and the two HMAC computations that use the identity secret.
 *
 * @package Destek
 */

defined( 'ABSPATH' ) || exit;

/**
 * Read access to the settings; the secret is only ever used here, never printed.
 */
final class Destek_Options {

	const SERVER_URL = 'destek_server_url';
	const WIDGET_KEY = 'destek_widget_key';
	const SECRET     = 'destek_identity_secret';

	/** How old a signed request from Destek may be, in seconds (both directions of clock skew). */
	const REPLAY_WINDOW = 300;

	/**
	 * The Destek server's address without a trailing slash, e.g. https://support.example.com.
	 */
	public static function server_url(): string {
		return untrailingslashit( (string) get_option( self::SERVER_URL, '' ) );
	}

	public static function widget_key(): string {
		return (string) get_option( self::WIDGET_KEY, '' );
	}

	public static function has_secret(): bool {
		return '' !== self::secret();
	}

	/** Whether the loader can be put on pages: a server and a widget are set. */
	public static function is_configured(): bool {
		return '' !== self::server_url() && '' !== self::widget_key();
	}

	/**
	 * What Destek checks on identify(): hex HMAC-SHA256 of the external id with the widget's
	 * identity secret (support/identity.py computes the same).
	 *
	 * @param string $external_id The user's id as Destek will know it.
	 */
	public static function identity_hash( string $external_id ): string {
		return hash_hmac( 'sha256', $external_id, self::secret() );
	}

	/**
	 * Whether a context request really comes from Destek: `X-Destek-Signature: sha256=<hex>`
	 * over "<timestamp>.<raw body>", and a timestamp within the replay window.
	 *
	 * @param string $timestamp The X-Destek-Timestamp header (unix seconds).
	 * @param string $signature The X-Destek-Signature header.
	 * @param string $body      The raw request body, exactly as received.
	 * @param int    $now       The current unix time.
	 * @return string '' when valid, else why not (for the log, not for the caller).
	 */
	public static function request_signature_problem( string $timestamp, string $signature, string $body, int $now ): string {
		if ( ! self::has_secret() ) {
			return 'no identity secret is set';
		}
		if ( ! preg_match( '/^\d{1,12}$/', $timestamp ) ) {
			return 'missing or malformed timestamp';
		}
		if ( abs( $now - (int) $timestamp ) > self::REPLAY_WINDOW ) {
			return 'timestamp outside the replay window';
		}
		$expected = 'sha256=' . hash_hmac( 'sha256', $timestamp . '.' . $body, self::secret() );
		// Constant time: the signature cannot be guessed byte by byte from response timings.
		if ( ! hash_equals( $expected, strtolower( trim( $signature ) ) ) ) {
			return 'bad signature';
		}
		return '';
	}

	private static function secret(): string {
		return (string) get_option( self::SECRET, '' );
	}
}
