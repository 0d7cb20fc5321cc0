<?php
/**
 * Deleting the plugin deletes its settings (the identity secret with them).
 *
 * @package Destek
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'destek_server_url' );
delete_option( 'destek_widget_key' );
delete_option( 'destek_identity_secret' );
