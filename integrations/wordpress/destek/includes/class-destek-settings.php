<?php
/**
 * Settings → Destek: the server, the widget key and the identity secret.
 *
 * The Settings API does the nonce (settings_fields) and the capability check (options.php
 * requires manage_options); the secret is write-only: the page never prints it back.
 *
 * @package Destek
 */

defined( 'ABSPATH' ) || exit;

final class Destek_Settings {

	const PAGE  = 'destek';
	const GROUP = 'destek';

	public static function register(): void {
		add_action( 'admin_init', array( __CLASS__, 'register_settings' ) );
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( DESTEK_PLUGIN_FILE ), array( __CLASS__, 'action_links' ) );
	}

	public static function add_page(): void {
		add_options_page(
			__( 'Destek live chat', 'destek' ),
			__( 'Destek', 'destek' ),
			'manage_options',
			self::PAGE,
			array( __CLASS__, 'render_page' )
		);
	}

	/**
	 * A "Settings" link on the Plugins screen.
	 *
	 * @param array $links The plugin's action links.
	 */
	public static function action_links( array $links ): array {
		$url = admin_url( 'options-general.php?page=' . self::PAGE );
		array_unshift( $links, '<a href="' . esc_url( $url ) . '">' . esc_html__( 'Settings', 'destek' ) . '</a>' );
		return $links;
	}

	public static function register_settings(): void {
		register_setting(
			self::GROUP,
			Destek_Options::SERVER_URL,
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( __CLASS__, 'sanitize_server_url' ),
			)
		);
		register_setting(
			self::GROUP,
			Destek_Options::WIDGET_KEY,
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( __CLASS__, 'sanitize_widget_key' ),
			)
		);
		register_setting(
			self::GROUP,
			Destek_Options::SECRET,
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( __CLASS__, 'sanitize_secret' ),
			)
		);

		add_settings_section( 'destek_widget', __( 'Widget', 'destek' ), array( __CLASS__, 'render_section' ), self::PAGE );
		add_settings_field(
			Destek_Options::SERVER_URL,
			__( 'Destek server address', 'destek' ),
			array( __CLASS__, 'render_server_url' ),
			self::PAGE,
			'destek_widget',
			array( 'label_for' => Destek_Options::SERVER_URL )
		);
		add_settings_field(
			Destek_Options::WIDGET_KEY,
			__( 'Widget key', 'destek' ),
			array( __CLASS__, 'render_widget_key' ),
			self::PAGE,
			'destek_widget',
			array( 'label_for' => Destek_Options::WIDGET_KEY )
		);
		add_settings_field(
			Destek_Options::SECRET,
			__( 'Identity secret', 'destek' ),
			array( __CLASS__, 'render_secret' ),
			self::PAGE,
			'destek_widget',
			array( 'label_for' => Destek_Options::SECRET )
		);
	}

	/**
	 * An http(s) address; anything else keeps the saved value and says why.
	 *
	 * @param mixed $value The submitted value.
	 */
	public static function sanitize_server_url( $value ): string {
		$value = trim( (string) $value );
		if ( '' === $value ) {
			return '';
		}
		$url = esc_url_raw( $value, array( 'http', 'https' ) );
		if ( '' === $url || ! preg_match( '#^https?://[^/\s]+#i', $url ) ) {
			add_settings_error( Destek_Options::SERVER_URL, 'destek_bad_url', __( 'The server address must start with https:// (or http:// for a local test).', 'destek' ) );
			return Destek_Options::server_url();
		}
		return untrailingslashit( $url );
	}

	/**
	 * A widget key is a slug (admin → Widgets in Destek).
	 *
	 * @param mixed $value The submitted value.
	 */
	public static function sanitize_widget_key( $value ): string {
		$value = trim( (string) $value );
		if ( '' !== $value && ! preg_match( '/^[A-Za-z0-9_-]{1,64}$/', $value ) ) {
			add_settings_error( Destek_Options::WIDGET_KEY, 'destek_bad_key', __( 'A widget key has only letters, digits, hyphens and underscores.', 'destek' ) );
			return Destek_Options::widget_key();
		}
		return $value;
	}

	/**
	 * Write-only: an empty field keeps the stored secret (the page never shows it, so the
	 * field is always empty unless the administrator types a new one); the checkbox removes it.
	 *
	 * @param mixed $value The submitted value.
	 */
	public static function sanitize_secret( $value ): string {
		// options.php has checked the nonce and manage_options before this runs.
		// phpcs:ignore WordPress.Security.NonceVerification.Missing
		if ( ! empty( $_POST['destek_identity_secret_remove'] ) ) {
			return '';
		}
		$value = trim( (string) $value );
		if ( '' === $value ) {
			return (string) get_option( Destek_Options::SECRET, '' );
		}
		if ( strlen( $value ) > 128 ) {
			add_settings_error( Destek_Options::SECRET, 'destek_bad_secret', __( 'The identity secret is at most 128 characters long.', 'destek' ) );
			return (string) get_option( Destek_Options::SECRET, '' );
		}
		return $value;
	}

	public static function render_section(): void {
		echo '<p>' . esc_html__( 'Copy these from the Destek admin (Widgets). Add this site\'s address to the widget\'s allowed origins there.', 'destek' ) . '</p>';
	}

	public static function render_server_url(): void {
		printf(
			'<input type="url" class="regular-text code" id="%1$s" name="%1$s" value="%2$s" placeholder="https://support.example.com">',
			esc_attr( Destek_Options::SERVER_URL ),
			esc_attr( Destek_Options::server_url() )
		);
	}

	public static function render_widget_key(): void {
		printf(
			'<input type="text" class="regular-text code" id="%1$s" name="%1$s" value="%2$s" pattern="[A-Za-z0-9_-]+">',
			esc_attr( Destek_Options::WIDGET_KEY ),
			esc_attr( Destek_Options::widget_key() )
		);
	}

	public static function render_secret(): void {
		// Never the stored value: only whether there is one.
		printf(
			'<input type="password" class="regular-text code" id="%1$s" name="%1$s" value="" autocomplete="new-password">',
			esc_attr( Destek_Options::SECRET )
		);
		echo '<p class="description">';
		if ( Destek_Options::has_secret() ) {
			esc_html_e( 'A secret is stored. Leave the field empty to keep it, or type a new one to replace it.', 'destek' );
			echo '</p><p><label><input type="checkbox" name="destek_identity_secret_remove" value="1"> ';
			esc_html_e( 'Remove the stored secret (logged-in users are then not identified)', 'destek' );
			echo '</label>';
		} else {
			esc_html_e( 'No secret is stored: visitors chat anonymously, even when logged in.', 'destek' );
		}
		echo '</p><p class="description">';
		esc_html_e( 'Used on this server only: it signs the logged-in user\'s id and checks Destek\'s order lookups. It never reaches a browser.', 'destek' );
		echo '</p>';
	}

	public static function render_page(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		echo '<div class="wrap"><h1>' . esc_html( get_admin_page_title() ) . '</h1>';
		echo '<form action="' . esc_url( admin_url( 'options.php' ) ) . '" method="post">';
		settings_fields( self::GROUP );
		do_settings_sections( self::PAGE );
		submit_button();
		echo '</form>';
		echo '<h2>' . esc_html__( 'Context cards', 'destek' ) . '</h2><p>';
		esc_html_e( 'To show agents a customer\'s orders, enter this address as the widget\'s context endpoint in the Destek admin:', 'destek' );
		echo '</p><p><input type="text" readonly class="large-text code" value="' . esc_attr( rest_url( Destek_Context::NAMESPACE . Destek_Context::ROUTE ) ) . '" onfocus="this.select()"></p>';
		echo '</div>';
	}
}
