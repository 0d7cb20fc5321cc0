<?php
/**
 * The loader on every front-end page, the logged-in user's identity and the queued events.
 *
 * The loader is an async footer script (docs/sdk.md); an inline stub before it queues the
 * calls (identify, track, reset) so they run once it arrives, and never block the page.
 *
 * @package Destek
 */

defined( 'ABSPATH' ) || exit;

final class Destek_Frontend {

	const HANDLE = 'destek-loader';
	/** Set at logout: the next page tells the widget to forget the user (shared computers). */
	const LOGOUT_COOKIE = 'destek_logout';

	/** @var array<int, array{0: string, 1: array}> Events to send with Destek.track on this page. */
	private static array $events = array();

	public static function register(): void {
		add_action( 'wp_enqueue_scripts', array( __CLASS__, 'enqueue' ) );
		add_filter( 'script_loader_tag', array( __CLASS__, 'loader_tag' ), 10, 2 );
		// Before wp_print_footer_scripts (priority 20), after the page's content has run its hooks.
		add_action( 'wp_footer', array( __CLASS__, 'print_events' ), 5 );
		add_action( 'wp_logout', array( __CLASS__, 'remember_logout' ) );
		// Headers are still open here; the page's own $_COOKIE keeps the value.
		add_action( 'template_redirect', array( __CLASS__, 'forget_logout' ) );
	}

	/**
	 * Queues a `Destek.track(name, properties)` call on the page being rendered.
	 *
	 * @param string $name       The event name proactive messages match.
	 * @param array  $properties Small, non-secret details.
	 */
	public static function track( string $name, array $properties = array() ): void {
		self::$events[] = array( $name, $properties );
	}

	public static function enqueue(): void {
		if ( ! Destek_Options::is_configured() ) {
			return;
		}
		// null version: no ?ver= on another server's file.
		wp_enqueue_script( self::HANDLE, Destek_Options::server_url() . '/static/widget/loader.js', array(), null, true );
		wp_add_inline_script( self::HANDLE, self::inline_script(), 'before' );
	}

	/**
	 * The logout cookie is used once: this page resets the widget, later pages do not.
	 * Only a page that prints the loader uses it up: the browser's own /favicon.ico request
	 * (WordPress answers it after this hook) would otherwise race the next page and win.
	 */
	public static function forget_logout(): void {
		if ( is_favicon() || is_robots() || is_feed() || is_trackback() ) {
			return;
		}
		if ( isset( $_COOKIE[ self::LOGOUT_COOKIE ] ) && ! is_user_logged_in() && ! headers_sent() ) {
			setcookie( self::LOGOUT_COOKIE, '', time() - YEAR_IN_SECONDS, COOKIEPATH ? COOKIEPATH : '/', COOKIE_DOMAIN );
		}
	}

	/**
	 * The stub, then what this page knows: a logout to forget, or the logged-in user.
	 */
	public static function inline_script(): string {
		$js = 'window.Destek=window.Destek||function(){(Destek.q=Destek.q||[]).push(arguments);};';
		if ( isset( $_COOKIE[ self::LOGOUT_COOKIE ] ) && ! is_user_logged_in() ) {
			// reset() reaches the widget only through its frame; setAttributes makes the loader
			// open the frame on this page, so the previous user's tokens are revoked now.
			$js .= "Destek('reset');Destek('setAttributes',{});";
		}
		$identity = self::identity();
		if ( $identity ) {
			$js .= "Destek('identify'," . self::json( $identity ) . ');';
		}
		return $js;
	}

	/**
	 * The logged-in user as Destek will know them: the WordPress user id (WooCommerce's customer
	 * id too) signed here with the identity secret. Nothing without a user or a secret.
	 */
	public static function identity(): array {
		if ( ! is_user_logged_in() || ! Destek_Options::has_secret() ) {
			return array();
		}
		$user        = wp_get_current_user();
		$external_id = (string) $user->ID;
		return array(
			'external_id' => $external_id,
			'hash'        => Destek_Options::identity_hash( $external_id ),
			'name'        => $user->display_name,
			'email'       => $user->user_email,
		);
	}

	/**
	 * Adds `async` and the widget key to the loader's tag (WordPress 6.1 has no async strategy).
	 *
	 * @param string $tag    The script tags for the handle (the inline stub comes first).
	 * @param string $handle The script handle.
	 */
	public static function loader_tag( string $tag, string $handle ): string {
		if ( self::HANDLE !== $handle ) {
			return $tag;
		}
		$attributes = ' async data-widget-key="' . esc_attr( Destek_Options::widget_key() ) . '"';
		// Only the tag with a src: the inline stub's tag has none.
		return (string) preg_replace( '/<script([^>]*?) src=/', '<script$1' . $attributes . ' src=', $tag, 1 );
	}

	public static function print_events(): void {
		if ( ! self::$events || ! wp_script_is( self::HANDLE, 'enqueued' ) ) {
			return;
		}
		$js = '';
		foreach ( self::$events as $event ) {
			$js .= "Destek('track'," . self::json( $event[0] ) . ',' . self::json( (object) $event[1] ) . ');';
		}
		self::$events = array();
		wp_add_inline_script( self::HANDLE, $js, 'before' );
	}

	public static function remember_logout(): void {
		if ( Destek_Options::is_configured() && ! headers_sent() ) {
			setcookie( self::LOGOUT_COOKIE, '1', 0, COOKIEPATH ? COOKIEPATH : '/', COOKIE_DOMAIN, is_ssl(), true );
		}
	}

	/**
	 * JSON safe inside a <script> element: <, >, & and quotes escaped.
	 *
	 * @param mixed $value A value to encode.
	 */
	private static function json( $value ): string {
		return (string) wp_json_encode( $value, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_UNICODE );
	}
}
